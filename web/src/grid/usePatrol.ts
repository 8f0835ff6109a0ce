// The grid worker's page state: their sign-in (this browser tab only), the finding being written, the
// position from the phone, and their own recent reports.
import { computed, reactive, ref, shallowRef, toRef } from 'vue'

import {
  ApiError,
  api,
  errorMessage,
  type HistoryItem,
  type PatrolAccepted,
  type PatrolRequest,
} from '@/shared/api'
import { randomId } from '@/shared/ids'
import { useClassifier } from '@/shared/useClassifier'

const KEY = 'hechuan.patrol'
export const CONTENT_MIN = 5
export const CONTENT_MAX = 5000

export interface PatrolSession {
  token: string
  username: string
  town: string
}

function stored(): PatrolSession | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as PatrolSession) : null
  } catch {
    return null
  }
}

export function usePatrol() {
  const session = shallowRef<PatrolSession | null>(stored())
  const signingIn = ref(false)
  const loginError = ref<string | null>(null)

  const form = reactive({ content: '', address: '', useGuess: true, urgent: false })
  const position = shallowRef<{ lat: number; lon: number; accuracy: number } | null>(null)
  const locating = ref(false)
  const locationError = ref<string | null>(null)
  const submitting = ref(false)
  const error = ref<string | null>(null)
  const accepted = shallowRef<PatrolAccepted | null>(null)
  const mine = shallowRef<HistoryItem[]>([])
  let idempotencyKey = randomId() // one per finding: a retried submission never makes a second report

  const { guess, pending: guessing, reset: resetGuess } = useClassifier(toRef(form, 'content'), toRef(form, 'address'))

  const contentError = computed(() => {
    const length = form.content.trim().length
    if (length < CONTENT_MIN) return `请描述发现的问题，至少 ${CONTENT_MIN} 个字`
    if (length > CONTENT_MAX) return `不能超过 ${CONTENT_MAX} 字`
    return ''
  })

  function save(value: PatrolSession | null) {
    session.value = value
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value))
    else sessionStorage.removeItem(KEY)
  }

  async function signIn(username: string, password: string): Promise<boolean> {
    loginError.value = null
    signingIn.value = true
    try {
      const token = await api.login(username.trim(), password)
      if (token.role !== 'grid_worker' || !token.town) {
        loginError.value = '此页面仅供网格员使用；其他工作人员请使用各自的工作台。'
        return false
      }
      save({ token: token.access_token, username: username.trim(), town: token.town })
      void loadMine()
      return true
    } catch (err) {
      loginError.value = errorMessage(err)
      return false
    } finally {
      signingIn.value = false
    }
  }

  function signOut() {
    save(null)
    mine.value = []
    startOver()
  }

  function expired(err: unknown): boolean {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      save(null)
      loginError.value = '登录已失效，请重新登录'
      return true
    }
    return false
  }

  async function loadMine() {
    const current = session.value
    if (!current) return
    try {
      mine.value = (await api.myPatrolReports(current.token)).reports
    } catch (err) {
      expired(err) // the list is a help: other failures leave it as it was
    }
  }

  function locate() {
    locationError.value = null
    if (!('geolocation' in navigator)) {
      locationError.value = '此浏览器不能获取位置，请填写地址'
      return
    }
    locating.value = true
    navigator.geolocation.getCurrentPosition(
      (found) => {
        locating.value = false
        position.value = {
          lat: Math.round(found.coords.latitude * 1e6) / 1e6,
          lon: Math.round(found.coords.longitude * 1e6) / 1e6,
          accuracy: Math.round(found.coords.accuracy),
        }
      },
      (failure) => {
        locating.value = false
        locationError.value =
          failure.code === failure.PERMISSION_DENIED
            ? '未允许获取位置。可在浏览器设置中允许，或直接填写地址。'
            : '暂时无法获取位置，请稍后再试或填写地址'
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    )
  }

  function forgetPosition() {
    position.value = null
  }

  async function submit(): Promise<boolean> {
    const current = session.value
    if (!current || contentError.value) return false
    const body: PatrolRequest = { content: form.content.trim(), urgent: form.urgent }
    if (form.address.trim()) body.address = form.address.trim()
    if (position.value) {
      body.lat = position.value.lat
      body.lon = position.value.lon
    }
    const g = guess.value
    if (form.useGuess && g?.category) {
      body.category = g.category
      if (g.subcategory) body.subcategory = g.subcategory
    }
    error.value = null
    submitting.value = true
    try {
      accepted.value = await api.patrol(body, current.token, idempotencyKey)
      void loadMine()
      return true
    } catch (err) {
      if (!expired(err)) error.value = errorMessage(err)
      return false
    } finally {
      submitting.value = false
    }
  }

  function startOver() {
    form.content = ''
    form.address = ''
    form.useGuess = true
    form.urgent = false
    position.value = null
    locationError.value = null
    error.value = null
    accepted.value = null
    idempotencyKey = randomId()
    resetGuess()
  }

  if (session.value) void loadMine()

  return {
    session, signingIn, loginError, signIn, signOut,
    form, contentError, guess, guessing,
    position, locating, locationError, locate, forgetPosition,
    submitting, error, accepted, submit, startOver,
    mine,
  }
}
