import { ref, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { useLazyResource } from './useLazyResource'
import { assessmentApi, type Hotspot, type HotspotChange, type HotspotList, type HotspotView } from './assessmentApi'

/** 问题清单: the hotspots (flagged now or being worked on, by default), asked for once the panel shows, and the
 * supervisor's decisions about one (包案领导, 整改方案, 销号). */
export function useHotspots() {
  const auth = useStaffAuth()
  const view = ref<HotspotView>('active')
  const { data: list, loading, error, load, activate, refresh } = useLazyResource<HotspotList>(
    (token, signal) => assessmentApi.hotspots(token, view.value, signal))

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
