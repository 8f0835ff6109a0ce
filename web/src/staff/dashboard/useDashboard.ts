import { onScopeDispose, reactive, ref, shallowRef, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import {
  dashboardApi, type CasesRequest, type DeadlineState, type Deadlines, type DrawerAsk, type GroupBy, type Interval,
  type Report, type Trend,
} from './dashboardApi'
import { thisMonth } from './figures'

export const DEADLINE_PAGE = 10
export const REFRESH_MS = 60_000

/** The dashboard's state: the period, the targets overall and by department and town, the trend, the deadline
 * lists, and the drawer of cases behind a number. `refresh()` asks for everything again (the wall every minute). */
export function useDashboard() {
  const auth = useStaffAuth()
  const token = () => auth.token.value ?? ''

  const period = ref<[string, string]>(thisMonth())
  const groupBy = ref<GroupBy>('department')
  const interval = ref<Interval>('week')

  const report = shallowRef<Report | null>(null) // overall, with the groups of `groupBy`
  const byTown = shallowRef<Report | null>(null)
  const trend = shallowRef<Trend | null>(null)
  const loading = shallowRef(false)
  const trendLoading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const updatedAt = shallowRef<Date | null>(null)

  const deadlineState = ref<DeadlineState>('overdue')
  const deadlinePage = reactive<Record<DeadlineState, number>>({ overdue: 1, due_soon: 1 })
  const deadlines = reactive<Record<DeadlineState, Deadlines | null>>({ overdue: null, due_soon: null })

  function failed(err: unknown) {
    if (!auth.handleAuthError(err)) error.value = errorMessage(err)
  }

  let generation = 0

  async function loadReports(): Promise<void> {
    const [from, to] = period.value
    const [grouped, towns] = await Promise.all([
      dashboardApi.report(token(), from, to, groupBy.value),
      dashboardApi.report(token(), from, to, 'town'),
    ])
    report.value = grouped
    byTown.value = towns
  }

  async function loadTrend(): Promise<void> {
    trendLoading.value = true
    try {
      trend.value = await dashboardApi.trend(token(), interval.value, period.value[1])
    } finally {
      trendLoading.value = false
    }
  }

  async function loadDeadlines(state: DeadlineState): Promise<void> {
    deadlines[state] = await dashboardApi.deadlines(token(), state, (deadlinePage[state] - 1) * DEADLINE_PAGE,
      DEADLINE_PAGE)
  }

  /** Everything again, in place (the page is never reloaded). */
  async function refresh(): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      await Promise.all([loadReports(), loadTrend(), loadDeadlines('overdue'), loadDeadlines('due_soon')])
      if (mine === generation) {
        error.value = null
        updatedAt.value = new Date()
      }
    } catch (err) {
      if (mine === generation) failed(err)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  async function run(task: () => Promise<void>) {
    try {
      await task()
      error.value = null
    } catch (err) {
      failed(err)
    }
  }

  watch(period, () => void refresh())
  watch(groupBy, () => void run(loadReports))
  watch(interval, () => void run(loadTrend))
  watch(() => deadlinePage.overdue, () => void run(() => loadDeadlines('overdue')))
  watch(() => deadlinePage.due_soon, () => void run(() => loadDeadlines('due_soon')))

  // --- refreshing itself (the wall) -----------------------------------------------------------------
  let timer: ReturnType<typeof setInterval> | undefined
  function autoRefresh(on: boolean) {
    if (timer) clearInterval(timer)
    timer = on ? setInterval(() => void refresh(), REFRESH_MS) : undefined
  }
  onScopeDispose(() => autoRefresh(false))

  // --- the cases behind a number ------------------------------------------------------------------------
  const drawer = shallowRef<DrawerAsk | null>(null)
  function showCases(ask: Omit<CasesRequest, 'from' | 'to'> & { from?: string; to?: string }) {
    drawer.value = { ...ask, from: ask.from ?? period.value[0], to: ask.to ?? period.value[1] }
  }

  return {
    token, period, groupBy, interval, report, byTown, trend, loading, trendLoading, error, updatedAt,
    deadlineState, deadlinePage, deadlines, refresh, autoRefresh, drawer, showCases,
  }
}
