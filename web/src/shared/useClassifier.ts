import { onScopeDispose, shallowRef, watch, type Ref } from 'vue'

import { api, type Classification } from './api'

export const CLASSIFY_MIN_LENGTH = 5
export const CLASSIFY_DELAY_MS = 450

/**
 * Routing's guess while someone types: debounced, the older request cancelled when a newer one starts,
 * and silent on failure (a guess is a help, never a blocker).
 */
export function useClassifier(content: Ref<string>, address?: Ref<string>) {
  const guess = shallowRef<Classification | null>(null)
  const pending = shallowRef(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  let controller: AbortController | undefined

  function cancel() {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    controller?.abort()
    controller = undefined
  }

  async function run(text: string, where: string) {
    controller = new AbortController()
    const mine = controller
    pending.value = true
    try {
      const result = await api.classify(where ? { content: text, address: where } : { content: text }, mine.signal)
      if (controller === mine) guess.value = result
    } catch {
      // keep the last guess; the form works without one
    } finally {
      if (controller === mine) pending.value = false
    }
  }

  watch(
    () => [content.value.trim(), address?.value.trim() ?? ''] as const,
    ([text, where]) => {
      cancel()
      if (text.length < CLASSIFY_MIN_LENGTH) {
        guess.value = null
        pending.value = false
        return
      }
      pending.value = true
      timer = setTimeout(() => void run(text, where), CLASSIFY_DELAY_MS)
    },
  )

  onScopeDispose(cancel)

  function reset() {
    cancel()
    guess.value = null
    pending.value = false
  }

  return { guess, pending, reset }
}
