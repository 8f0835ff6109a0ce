import { onBeforeUnmount, ref, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from './useStaffAuth'

/** A list searched as staff type (the knowledge base, the firms): only the latest answer is kept (an earlier
 * request still running is aborted), typing in `filter.q` waits `delay` ms while another filter chosen asks at
 * once, `changed` runs first on any change (e.g. back to the first page), and a failure shows in `problem` (a
 * lapsed sign-in goes back to the sign-in form). `ask` makes the request; `found` keeps its answer. */
export function useSearchAsYouType<F extends { q: string }, T>(
  filter: F, ask: (signal: AbortSignal) => Promise<T>, found: (answer: T) => void,
  options: { delay?: number; changed?: () => void } = {},
) {
  const auth = useStaffAuth()
  const loading = ref(false)
  const problem = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  let controller: AbortController | undefined

  async function search(): Promise<void> {
    controller?.abort()
    controller = new AbortController()
    const mine = controller
    loading.value = true
    try {
      const answer = await ask(mine.signal)
      if (mine !== controller) return
      found(answer)
      problem.value = null
    } catch (err) {
      if (mine !== controller) return
      if (!auth.handleAuthError(err)) problem.value = errorMessage(err)
    } finally {
      if (mine === controller) loading.value = false
    }
  }

  watch(() => ({ ...filter }), (now, before) => {
    if (timer !== undefined) clearTimeout(timer)
    options.changed?.()
    timer = setTimeout(() => void search(), now.q !== before?.q ? (options.delay ?? 200) : 0)
  })
  onBeforeUnmount(() => {
    if (timer !== undefined) clearTimeout(timer)
    controller?.abort()
  })
  return { loading, problem, search }
}
