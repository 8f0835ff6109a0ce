import { onBeforeUnmount, watch, type Ref } from 'vue'

/** Calls `seen` once, the first time `element` comes near the screen (within 100 px) once `ready()` holds (the
 * page above it has its data, so its height is final): what a panel below the fold asks the server for waits
 * until somebody scrolls to it. Without IntersectionObserver: as soon as it is ready. */
export function whenVisible(element: Ref<HTMLElement | null>, ready: () => boolean, seen: () => void): void {
  let observer: IntersectionObserver | undefined
  let done = false
  function fire() {
    if (done) return
    done = true
    observer?.disconnect()
    observer = undefined
    seen()
  }
  const stop = watch([element, ready], ([el, isReady]) => {
    if (!el || !isReady || done || observer) return
    if (typeof IntersectionObserver === 'undefined') {
      fire()
      return
    }
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) fire()
    }, { rootMargin: '100px 0px' })
    observer.observe(el)
  }, { immediate: true, flush: 'post' })
  onBeforeUnmount(() => {
    stop()
    observer?.disconnect()
  })
}
