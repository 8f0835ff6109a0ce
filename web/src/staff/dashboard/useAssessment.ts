import { computed, ref, shallowRef, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { useLazyResource } from './useLazyResource'
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
  const downloading = shallowRef(false)
  const downloadError = shallowRef<string | null>(null)

  const period = computed<AssessmentPeriod>(() => (scope.value === 'year' ? { year: year.value } : { month: month.value }))
  const label = computed(() => (scope.value === 'year' ? `${year.value}年` : month.value))
  const { data, loading, error, activate, refresh } = useLazyResource<Assessment>(
    (token, signal) => assessmentApi.assessment(token, period.value, signal))

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
