import { computed, ref, shallowRef, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { assessmentApi, type Assessment, type AssessmentPeriod } from './assessmentApi'
import { downloadFile } from './download'
import { thisMonth } from './figures'

export type AssessmentScope = 'month' | 'year'

/** 考核排名: the assessment of a month or a year, asked for only once something shows it (`activate()`: the
 * panel scrolled into view, the wall opened), then again when the month or year changes or on `refresh()`. */
export function useAssessment() {
  const auth = useStaffAuth()
  const scope = ref<AssessmentScope>('month')
  const month = ref(thisMonth()[1].slice(0, 7))
  const year = ref(thisMonth()[1].slice(0, 4))
  const data = shallowRef<Assessment | null>(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const downloading = shallowRef(false)
  const downloadError = shallowRef<string | null>(null)
  const active = shallowRef(false)

  const period = computed<AssessmentPeriod>(() => (scope.value === 'year' ? { year: year.value } : { month: month.value }))
  const label = computed(() => (scope.value === 'year' ? `${year.value}年` : month.value))

  let controller: AbortController | null = null

  async function load(): Promise<void> {
    controller?.abort()
    const mine = (controller = new AbortController())
    loading.value = true
    try {
      data.value = await assessmentApi.assessment(auth.token.value ?? '', period.value, mine.signal)
      error.value = null
    } catch (err) {
      if (mine.signal.aborted) return
      if (!auth.handleAuthError(err)) error.value = errorMessage(err)
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  /** The first time something shows the assessment: ask for it. */
  function activate(): void {
    if (active.value) return
    active.value = true
    void load()
  }

  /** Again, if it was ever asked for (the dashboard's 刷新, the wall's minute). */
  function refresh(): void {
    if (active.value) void load()
  }

  watch(period, (now, before) => {
    if (JSON.stringify(now) !== JSON.stringify(before)) refresh()
  })

  /** 导出考核表: the same period as a workbook (.xlsx). */
  async function download(): Promise<void> {
    downloading.value = true
    downloadError.value = null
    try {
      await downloadFile(assessmentApi.workbookPath(period.value), auth.token.value ?? '',
        `合川区生态环境投诉办理考核-${scope.value === 'year' ? year.value : month.value}.xlsx`)
    } catch (err) {
      if (!auth.handleAuthError(err)) downloadError.value = errorMessage(err)
    } finally {
      downloading.value = false
    }
  }

  return { scope, month, year, period, label, data, loading, error, downloading, downloadError, activate, refresh,
    download }
}

export type AssessmentState = ReturnType<typeof useAssessment>
