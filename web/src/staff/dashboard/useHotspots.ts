import { ref, shallowRef, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { assessmentApi, type Hotspot, type HotspotChange, type HotspotList, type HotspotView } from './assessmentApi'

/** 问题清单: the hotspots (flagged now or being worked on, by default), asked for once the panel shows, and the
 * supervisor's decisions about one (包案领导, 整改方案, 销号). */
export function useHotspots() {
  const auth = useStaffAuth()
  const view = ref<HotspotView>('active')
  const list = shallowRef<HotspotList | null>(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const active = shallowRef(false)
  let controller: AbortController | null = null

  async function load(): Promise<void> {
    controller?.abort()
    const mine = (controller = new AbortController())
    loading.value = true
    try {
      list.value = await assessmentApi.hotspots(auth.token.value ?? '', view.value, mine.signal)
      error.value = null
    } catch (err) {
      if (mine.signal.aborted) return
      if (!auth.handleAuthError(err)) error.value = errorMessage(err)
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  function activate(): void {
    if (active.value) return
    active.value = true
    void load()
  }

  function refresh(): void {
    if (active.value) void load()
  }

  watch(view, refresh)

  /** Saves a change; the API's answer replaces the hotspot in the list (a refusal throws its message). */
  async function update(key: string, change: HotspotChange): Promise<Hotspot> {
    try {
      const saved = await assessmentApi.updateHotspot(auth.token.value ?? '', key, change)
      void load() // the list's view may no longer hold it (resolved), or others may have changed
      return saved
    } catch (err) {
      auth.handleAuthError(err)
      throw new Error(errorMessage(err))
    }
  }

  return { view, list, loading, error, activate, refresh, update }
}

export type HotspotsState = ReturnType<typeof useHotspots>
