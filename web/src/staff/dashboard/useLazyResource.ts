import { shallowRef, type ShallowRef } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'

/** A dashboard panel's data, asked for only once something shows it (`activate()`: the panel scrolled into
 * view, the wall opened), then again on `refresh()` (the dashboard's 刷新, the wall's minute, a changed filter)
 * or `load()`. A newer request cancels the one still running; an expired sign-in goes back to the login. */
export function useLazyResource<T>(fetch: (token: string, signal: AbortSignal) => Promise<T>) {
  const auth = useStaffAuth()
  const data: ShallowRef<T | null> = shallowRef(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const active = shallowRef(false)
  let controller: AbortController | null = null

  async function load(): Promise<void> {
    controller?.abort()
    const mine = (controller = new AbortController())
    loading.value = true
    try {
      data.value = await fetch(auth.token.value ?? '', mine.signal)
      error.value = null
    } catch (err) {
      if (mine.signal.aborted) return
      if (!auth.handleAuthError(err)) error.value = errorMessage(err)
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  /** The first time something shows it: ask for it. */
  function activate(): void {
    if (active.value) return
    active.value = true
    void load()
  }

  /** Again, if it was ever asked for. */
  function refresh(): void {
    if (active.value) void load()
  }

  return { data, loading, error, active, load, activate, refresh }
}
