import { computed, shallowRef } from 'vue'

import { api, ApiError, errorMessage } from '@/shared/api'

// The staff login lives for the browser tab only (sessionStorage): closing the tab signs out.
const KEY = 'hc.staff.session'

export interface StaffSession {
  token: string
  username: string
  role: string
  department: string | null
  expiresAt: number // ms since epoch
}

export const ROLE_LABELS: Record<string, string> = {
  operator: '话务员', supervisor: '督办', dispatcher: '承办人员', admin: '管理员',
}

function restore(): StaffSession | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (!raw) return null
    const session = JSON.parse(raw) as StaffSession
    return session.expiresAt > Date.now() ? session : null
  } catch {
    return null
  }
}

const session = shallowRef<StaffSession | null>(restore())

function save(value: StaffSession | null) {
  session.value = value
  try {
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value))
    else sessionStorage.removeItem(KEY)
  } catch {
    // private mode without storage: the login lasts until the page is reloaded
  }
}

export function useStaffAuth() {
  const busy = shallowRef(false)
  const error = shallowRef<string | null>(null)

  async function login(username: string, password: string, roles: string[]): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      const answer = await api.login(username.trim(), password)
      if (!roles.includes(answer.role)) {
        error.value = `该账号（${ROLE_LABELS[answer.role] ?? answer.role}）没有使用本页面的权限`
        return false
      }
      save({
        token: answer.access_token,
        username: username.trim(),
        role: answer.role,
        department: answer.department,
        expiresAt: Date.now() + answer.expires_in * 1000,
      })
      return true
    } catch (err) {
      error.value = errorMessage(err)
      return false
    } finally {
      busy.value = false
    }
  }

  function logout() {
    save(null)
  }

  /** A 401 from any staff call ends the session (expired or revoked token). */
  function handleAuthError(err: unknown): boolean {
    if (err instanceof ApiError && err.status === 401) {
      logout()
      return true
    }
    return false
  }

  return {
    session,
    signedIn: computed(() => session.value !== null && session.value.expiresAt > Date.now()),
    token: computed(() => session.value?.token ?? null),
    roleLabel: computed(() => (session.value ? ROLE_LABELS[session.value.role] ?? session.value.role : '')),
    busy,
    error,
    login,
    logout,
    handleAuthError,
  }
}
