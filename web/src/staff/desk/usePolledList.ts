import { onScopeDispose, shallowRef } from 'vue'

import { errorMessage } from '@/shared/api'
import type { Versioned } from './deskApi'

export const POLL_MS = 10_000

/**
 * A list the server versions (ETag), asked again every 10 s with `If-None-Match`: a 304 costs nearly
 * nothing, and the server sends the list again when a case in it changed (or a minute passed: the
 * countdowns). Paused while the tab is hidden; `refresh()` asks at once (after an action, a new filter).
 */
export function usePolledList<T>(fetch: (etag: string | null) => Promise<Versioned<T>>,
  onError: (err: unknown) => boolean = () => false) {
  const data = shallowRef<T | null>(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const fetchedAt = shallowRef(0) // Date.now() of the last answer: countdowns tick from it
  const checkedAt = shallowRef<Date | null>(null)
  let etag: string | null = null
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false

  async function load(force: boolean): Promise<void> {
    const mine = ++generation
    if (force) {
      etag = null
      loading.value = true
    }
    try {
      const answer = await fetch(etag)
      if (mine !== generation) return // a newer request (other filters) has been sent
      if (answer) {
        data.value = answer.data
        etag = answer.etag
        fetchedAt.value = Date.now()
      }
      error.value = null
      checkedAt.value = new Date()
    } catch (err) {
      if (mine !== generation) return
      if (!onError(err)) error.value = errorMessage(err)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function schedule() {
    if (timer !== undefined) clearTimeout(timer)
    if (!running) return
    timer = setTimeout(async () => {
      if (!document.hidden) await load(false)
      schedule()
    }, POLL_MS)
  }

  function onVisible() {
    if (!document.hidden && running) void load(false)
  }

  function start() {
    running = true
    void load(true)
    schedule()
  }

  function stop() {
    running = false
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    generation++
  }

  document.addEventListener('visibilitychange', onVisible)
  onScopeDispose(() => {
    stop()
    document.removeEventListener('visibilitychange', onVisible)
  })

  return {
    data, loading, error, fetchedAt, checkedAt, start, stop,
    refresh: () => load(true),
    /** Ask now, keeping the version: only a changed list comes back (after an action). */
    check: () => load(false),
  }
}
