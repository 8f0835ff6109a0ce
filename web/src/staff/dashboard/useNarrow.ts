import { onBeforeUnmount, shallowRef } from 'vue'

/** Whether the screen is a phone's (narrower than 600 px), kept up to date: tables become lists there. */
export function useNarrow(query = '(max-width: 599px)') {
  const list = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  const narrow = shallowRef(list?.matches ?? false)
  const update = (event: MediaQueryListEvent) => (narrow.value = event.matches)
  list?.addEventListener?.('change', update)
  onBeforeUnmount(() => list?.removeEventListener?.('change', update))
  return narrow
}
