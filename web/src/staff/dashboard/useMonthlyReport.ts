import { shallowRef } from 'vue'

import { ApiError, errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'

/** 导出月报: notify's monthly report (.xlsx, GET /api/v1/reports/monthly) of a month, saved by the browser. */
export function useMonthlyReport() {
  const auth = useStaffAuth()
  const exporting = shallowRef(false)
  const exportError = shallowRef<string | null>(null)

  async function exportMonth(month: string): Promise<void> {
    exporting.value = true
    exportError.value = null
    try {
      const response = await fetch(`/api/v1/reports/monthly?month=${encodeURIComponent(month)}`, {
        headers: { Authorization: `Bearer ${auth.token.value ?? ''}` },
        credentials: 'same-origin',
        cache: 'no-store',
      })
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
        throw new ApiError(response.status, body?.error?.code ?? `http_${response.status}`,
          body?.error?.message ?? `导出失败（${response.status}）`)
      }
      const url = URL.createObjectURL(await response.blob())
      const link = document.createElement('a')
      link.href = url
      link.download = `合川区生态环境投诉处理月报-${month}.xlsx`
      document.body.appendChild(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      if (!auth.handleAuthError(err)) exportError.value = errorMessage(err)
    } finally {
      exporting.value = false
    }
  }

  return { exporting, exportError, exportMonth }
}
