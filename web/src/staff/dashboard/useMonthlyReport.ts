import { shallowRef } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { downloadFile } from './download'

/** 导出月报: notify's monthly report (.xlsx, GET /api/v1/reports/monthly) of a month, saved by the browser. */
export function useMonthlyReport() {
  const auth = useStaffAuth()
  const exporting = shallowRef(false)
  const exportError = shallowRef<string | null>(null)

  async function exportMonth(month: string): Promise<void> {
    exporting.value = true
    exportError.value = null
    try {
      await downloadFile(`/api/v1/reports/monthly?month=${encodeURIComponent(month)}`, auth.token.value ?? '',
        `合川区生态环境投诉处理月报-${month}.xlsx`)
    } catch (err) {
      if (!auth.handleAuthError(err)) exportError.value = errorMessage(err)
    } finally {
      exporting.value = false
    }
  }

  return { exporting, exportError, exportMonth }
}
