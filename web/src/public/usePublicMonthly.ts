import { computed, shallowRef } from 'vue'

import { errorMessage } from '@/shared/api'
import { publicApi, type PublicCase, type PublicMonthly } from './publicApi'

/** YYYY-MM of today in Chongqing. */
export function currentMonth(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .formatToParts(now)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}`
}

export function shiftMonth(month: string, by: number): string {
  const [year, mon] = month.split('-').map(Number)
  const index = year * 12 + (mon - 1) + by
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function monthLabel(month: string): string {
  const [year, mon] = month.split('-').map(Number)
  return `${year}年${mon}月`
}

/** The public page's state: one month's figures, and its handled cases a page at a time. */
export function usePublicMonthly() {
  const month = shallowRef(currentMonth())
  const data = shallowRef<PublicMonthly | null>(null)
  const cases = shallowRef<PublicCase[]>([])
  const loading = shallowRef(false)
  const loadingMore = shallowRef(false)
  const error = shallowRef<string | null>(null)
  let controller: AbortController | null = null

  const isCurrent = computed(() => month.value >= currentMonth())
  const hasMore = computed(() => data.value !== null && cases.value.length < data.value.total)

  async function load(to: string = month.value): Promise<void> {
    controller?.abort()
    controller = new AbortController()
    loading.value = true
    error.value = null
    try {
      const answer = await publicApi.monthly(to, 0, controller.signal)
      month.value = to
      data.value = answer
      cases.value = answer.cases
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return
      error.value = errorMessage(err)
    } finally {
      loading.value = false
    }
  }

  async function more(): Promise<void> {
    if (!data.value || loadingMore.value) return
    loadingMore.value = true
    try {
      const answer = await publicApi.monthly(month.value, cases.value.length)
      cases.value = [...cases.value, ...answer.cases]
    } catch (err) {
      error.value = errorMessage(err)
    } finally {
      loadingMore.value = false
    }
  }

  return {
    month, data, cases, loading, loadingMore, error, isCurrent, hasMore, load, more,
    previous: () => load(shiftMonth(month.value, -1)),
    next: () => load(shiftMonth(month.value, 1)),
  }
}
