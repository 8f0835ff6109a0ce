import { computed, onScopeDispose, reactive, shallowRef, toRef, watch } from 'vue'

import { api, errorMessage, type HotlineAccepted, type HotlineHistory, type HotlineRequest } from '@/shared/api'
import { randomId } from '@/shared/ids'
import { useClassifier } from '@/shared/useClassifier'
import { useStaffAuth } from './useStaffAuth'

export const HISTORY_DELAY_MS = 400
const ADDRESS_MIN_LENGTH = 4 // the history endpoint searches addresses by at least 4 characters

/** A whole Chinese mobile or landline number, as the server normalises it; '' while still being typed. */
export function completeNumber(raw: string): string {
  let digits = raw.replace(/\D/g, '')
  for (const prefix of ['0086', '86']) {
    if (digits.startsWith(prefix) && digits.length === prefix.length + 11 && digits[prefix.length] === '1') {
      digits = digits.slice(prefix.length)
    }
  }
  return /^(1[3-9]\d{9}|0\d{2,3}\d{7,8})$/.test(digits) ? digits : ''
}

/** The call centre's key: in the embedded demo build only (see README: production wiring). */
export const HOTLINE_API_KEY: string = import.meta.env.VITE_HOTLINE_API_KEY ?? ''

export interface HotlineForm {
  callerNumber: string
  content: string
  town: string
  address: string
  category: string
  subcategory: string
  urgent: boolean
}

function emptyForm(): HotlineForm {
  return { callerNumber: '', content: '', town: '', address: '', category: '', subcategory: '', urgent: false }
}

export function useHotlineForm() {
  const auth = useStaffAuth()
  const form = reactive<HotlineForm>(emptyForm())
  // One id per call: saving twice (a double click, a retry) gives the same complaint back.
  const callId = shallowRef(randomId())
  const saving = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const saved = shallowRef<HotlineAccepted | null>(null)
  const history = shallowRef<HotlineHistory | null>(null)
  const historyLoading = shallowRef(false)
  const historyError = shallowRef<string | null>(null)

  const { guess, pending: guessing, reset: resetGuess } = useClassifier(toRef(form, 'content'), toRef(form, 'address'))

  // --- earlier complaints of this caller and this address, before saving -------------------------
  let historyTimer: ReturnType<typeof setTimeout> | undefined
  let historyController: AbortController | undefined

  function cancelHistory() {
    if (historyTimer !== undefined) clearTimeout(historyTimer)
    historyController?.abort()
    historyTimer = undefined
    historyController = undefined
  }

  async function loadHistory(caller: string, address: string) {
    const token = auth.token.value
    if (!token) return
    historyController = new AbortController()
    const mine = historyController
    historyLoading.value = true
    historyError.value = null
    try {
      const found = await api.hotlineHistory(token, caller, address, mine.signal)
      if (historyController === mine) history.value = found
    } catch (err) {
      if (historyController !== mine) return
      if (!auth.handleAuthError(err)) historyError.value = errorMessage(err)
    } finally {
      if (historyController === mine) historyLoading.value = false
    }
  }

  watch(
    () => [completeNumber(form.callerNumber), form.address.trim()] as const,
    ([caller, address]) => {
      cancelHistory()
      const useCaller = caller
      const useAddress = address.length >= ADDRESS_MIN_LENGTH ? address : ''
      if (!useCaller && !useAddress) {
        history.value = null
        historyLoading.value = false
        return
      }
      historyLoading.value = true
      historyTimer = setTimeout(() => void loadHistory(useCaller, useAddress), HISTORY_DELAY_MS)
    },
  )

  onScopeDispose(cancelHistory)

  // --- the classifier's suggestion ----------------------------------------------------------------
  function applySuggestion() {
    const g = guess.value
    if (!g) return
    if (g.category) {
      form.category = g.category
      form.subcategory = g.subcategory ?? ''
    }
    if (g.town) form.town = g.town
    form.urgent = g.urgent
  }

  const contentError = computed(() => {
    const n = form.content.trim().length
    if (n === 0) return '请记录来电人反映的问题'
    if (n < 5) return '诉求内容至少 5 个字'
    if (n > 5000) return '诉求内容不能超过 5000 字'
    return ''
  })

  async function save(): Promise<boolean> {
    if (saving.value) return false
    error.value = null
    if (contentError.value) {
      error.value = contentError.value
      return false
    }
    if (!HOTLINE_API_KEY) {
      error.value = '本页未配置呼叫中心密钥：生产环境中工单由呼叫中心系统直接提交'
      return false
    }
    const body: HotlineRequest = { call_id: callId.value, content: form.content.trim(), urgent: form.urgent }
    const caller = form.callerNumber.trim()
    if (caller) body.caller_number = caller
    if (form.town) body.town = form.town
    if (form.address.trim()) body.address = form.address.trim()
    if (form.category) body.category = form.category
    if (form.category && form.subcategory) body.subcategory = form.subcategory
    saving.value = true
    try {
      saved.value = await api.hotline(body, HOTLINE_API_KEY, auth.token.value)
      return true
    } catch (err) {
      error.value = errorMessage(err)
      return false
    } finally {
      saving.value = false
    }
  }

  function nextCall() {
    cancelHistory()
    Object.assign(form, emptyForm())
    callId.value = randomId()
    saved.value = null
    error.value = null
    history.value = null
    historyError.value = null
    historyLoading.value = false
    resetGuess()
  }

  /** A new category: its subcategories are others (the select calls this on change). */
  function categoryChanged() {
    form.subcategory = ''
  }

  return {
    form, callId, saving, error, saved, guess, guessing, history, historyLoading, historyError, contentError,
    canSave: computed(() => HOTLINE_API_KEY !== ''),
    applySuggestion, categoryChanged, save, nextCall,
  }
}
