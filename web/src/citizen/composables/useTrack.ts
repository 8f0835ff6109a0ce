import { shallowRef } from 'vue'

import { api, errorMessage, type CitizenView } from '@/shared/api'

// Today's codes have 8 characters after the day, codes given before 2026-12 have 6.
export const TRACKING_CODE = /^HC\d{6}-(?:[0-9A-Z]{8}|[0-9A-Z]{6})$/

/** Tracking codes are read out over the phone: accept lower case, spaces and a missing dash. */
export function normaliseCode(raw: string): string {
  const compact = raw.toUpperCase().replace(/[\s\u3000]/g, '')
  const match = /^HC(\d{6})-?([0-9A-Z]{8}|[0-9A-Z]{6})$/.exec(compact)
  return match ? `HC${match[1]}-${match[2]}` : compact
}

export function useTrack() {
  const view = shallowRef<CitizenView | null>(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)

  async function lookup(rawCode: string, digits: string): Promise<void> {
    const code = normaliseCode(rawCode)
    error.value = null
    if (!TRACKING_CODE.test(code)) {
      view.value = null
      error.value = '查询码格式不对，应类似 HC261130-7KQ2XM4P'
      return
    }
    if (digits && !/^\d{4}$/.test(digits)) {
      view.value = null
      error.value = '请填写手机号的后四位数字'
      return
    }
    loading.value = true
    try {
      view.value = await api.track(code, digits)
    } catch (err) {
      view.value = null
      error.value = errorMessage(err) // 404 and 429 as the server says them
    } finally {
      loading.value = false
    }
  }

  return { view, loading, error, lookup }
}
