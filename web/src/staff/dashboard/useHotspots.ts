import { ref, watch } from 'vue'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { useLazyResource } from './useLazyResource'
import {
  assessmentApi, type Hotspot, type HotspotCasePage, type HotspotChange, type HotspotList, type HotspotView,
} from './assessmentApi'

const PAGE_SIZE = 50 // hotspots a page
const CASES_PAGE = 20 // cases behind one, a page

/** 问题清单: the hotspots (flagged now or being worked on, by default), asked for once the panel shows, and the
 * supervisor's decisions about one (包案领导, 整改方案, 销号). */
export function useHotspots() {
  const auth = useStaffAuth()
  const view = ref<HotspotView>('active')
  const page = ref(1) // of PAGE_SIZE hotspots
  const { data: list, loading, error, load, activate, refresh } = useLazyResource<HotspotList>(
    (token, signal) => assessmentApi.hotspots(token, view.value, (page.value - 1) * PAGE_SIZE, PAGE_SIZE, signal))

  watch(view, () => {
    page.value = 1
    void refresh()
  })
  watch(page, refresh)

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

  /** A page of the cases behind one hotspot (its `cases_url`), asked for when it is opened. */
  async function cases(hotspot: Hotspot, offset: number, signal?: AbortSignal): Promise<HotspotCasePage> {
    try {
      return await assessmentApi.hotspotCases(auth.token.value ?? '', hotspot.cases_url, offset, CASES_PAGE, signal)
    } catch (err) {
      auth.handleAuthError(err)
      throw new Error(errorMessage(err))
    }
  }

  return { view, page, pageSize: PAGE_SIZE, list, loading, error, activate, refresh, update, cases }
}

export type HotspotsState = ReturnType<typeof useHotspots>
