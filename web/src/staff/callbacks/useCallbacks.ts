import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'

import { ApiError, errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import { deskApi, type CaseDetail, type DepartmentInfo } from '../desk/deskApi'
import {
  callbacksApi, type Callback, type CallbackPage, type CallbackStatusFilter, type CallOutcome, type CallResolution,
  type Contact,
} from './callbacksApi'
import { outcomeLabel } from './callbackLabels'

export const PAGE_SIZES = [20, 50, 100]
/** notify's CALLBACK_MAX_ATTEMPTS by default: calls without a rating before the citizen counts as unreachable. */
export const MAX_ATTEMPTS = 3
/** The list is asked again this often while the tab is visible: callbacks are opened as departments reply. */
export const REFRESH_MS = 60_000

type Key = { complaint_id: string; reply_round: number }
/** Whether the case (routing) could be read: operators may not read routing's cases. */
export type CaseState = 'idle' | 'loading' | 'ok' | 'forbidden' | 'error'
export type ContactState = 'hidden' | 'loading' | 'shown' | 'none' | 'error'

const sameKey = (a: Key | null, b: Key | null) =>
  !!a && !!b && a.complaint_id === b.complaint_id && a.reply_round === b.reply_round

/** The callback desk's state: the list with its filters, the open callback, its case and contact, recording a call. */
export function useCallbacks() {
  const auth = useStaffAuth()
  const token = () => auth.token.value ?? ''

  // --- the list -----------------------------------------------------------------------------------------
  const status = ref<CallbackStatusFilter>('pending')
  const department = ref('')
  const page = ref(1)
  const pageSize = ref(PAGE_SIZES[0])
  const list = shallowRef<CallbackPage | null>(null)
  const listLoading = shallowRef(false)
  const listError = shallowRef<string | null>(null)
  const checkedAt = shallowRef<Date | null>(null)
  let listController: AbortController | undefined

  async function load() {
    listController?.abort()
    const mine = (listController = new AbortController())
    listLoading.value = true
    try {
      const answer = await callbacksApi.list(token(), status.value, department.value, pageSize.value,
        (page.value - 1) * pageSize.value, mine.signal)
      if (listController !== mine) return
      // the last page emptied (its callbacks were completed): show the one before
      if (!answer.callbacks.length && answer.total && page.value > 1) {
        page.value = Math.max(1, Math.ceil(answer.total / pageSize.value))
        return
      }
      list.value = answer
      listError.value = null
      checkedAt.value = new Date()
    } catch (err) {
      if (listController !== mine) return
      if (!auth.handleAuthError(err)) listError.value = errorMessage(err)
    } finally {
      if (listController === mine) listLoading.value = false
    }
  }

  watch([status, department, pageSize], () => {
    if (page.value !== 1) page.value = 1 // the page watcher loads
    else void load()
  })
  watch(page, () => void load())

  const departments = shallowRef<DepartmentInfo[]>([])
  async function loadDepartments() {
    try {
      departments.value = (await deskApi.departments(token())).departments
    } catch (err) {
      auth.handleAuthError(err) // the filter stays empty; the list works without it
    }
  }

  let timer: ReturnType<typeof setInterval> | undefined
  function start() {
    void loadDepartments()
    void load()
    timer = setInterval(() => { if (!document.hidden) void load() }, REFRESH_MS)
  }
  onScopeDispose(() => clearInterval(timer))

  // --- the open callback --------------------------------------------------------------------------------
  const openKey = shallowRef<Key | null>(null)
  const current = shallowRef<Callback | null>(null)
  const currentLoading = shallowRef(false)
  const currentError = shallowRef<string | null>(null)
  const caseInfo = shallowRef<CaseDetail | null>(null)
  const caseState = shallowRef<CaseState>('idle')
  const caseError = shallowRef<string | null>(null)
  const contact = shallowRef<Contact | null>(null)
  const contactState = shallowRef<ContactState>('hidden')
  const contactError = shallowRef<string | null>(null)

  async function loadCurrent(key: Key) {
    currentLoading.value = true
    try {
      const found = await callbacksApi.get(token(), key)
      if (sameKey(openKey.value, key)) {
        current.value = found
        currentError.value = null
      }
    } catch (err) {
      if (!sameKey(openKey.value, key) || auth.handleAuthError(err)) return
      currentError.value = err instanceof ApiError && err.status === 404
        ? '没有找到这件回访，可能已被移除；请刷新列表。' : errorMessage(err)
    } finally {
      if (sameKey(openKey.value, key)) currentLoading.value = false
    }
  }

  // Routing refuses its cases to some roles (operators): asked once, then not again on every callback opened.
  let caseForbidden = false

  async function loadCase(key: Key) {
    if (caseForbidden) {
      caseState.value = 'forbidden'
      return
    }
    caseState.value = 'loading'
    caseError.value = null
    try {
      const found = await deskApi.detail(token(), key.complaint_id)
      if (!sameKey(openKey.value, key)) return
      caseInfo.value = found
      caseState.value = 'ok'
    } catch (err) {
      if (!sameKey(openKey.value, key) || auth.handleAuthError(err)) return
      caseInfo.value = null
      if (err instanceof ApiError && err.status === 403) {
        caseForbidden = true
        caseState.value = 'forbidden'
      } else {
        caseState.value = 'error'
        caseError.value = err instanceof ApiError && err.status === 404 ? '承办系统中没有找到该案件' : errorMessage(err)
      }
    }
  }

  function openCallback(row: Callback) {
    const key = { complaint_id: row.complaint_id, reply_round: row.reply_round }
    openKey.value = key
    current.value = row // the row at once; its calls arrive with the detail
    currentError.value = null
    caseInfo.value = null
    contact.value = null
    contactState.value = 'hidden'
    contactError.value = null
    recordError.value = null
    void loadCurrent(key)
    void loadCase(key)
  }

  function closeCallback() {
    openKey.value = null
    current.value = null
    caseInfo.value = null
    caseState.value = 'idle'
    contact.value = null // the number is not kept once the callback is closed
    contactState.value = 'hidden'
  }

  /** 显示号码: the one reporter's number, read when asked (intake logs the read). */
  async function showContact() {
    const key = openKey.value
    if (!key || contactState.value === 'loading') return
    contactState.value = 'loading'
    contactError.value = null
    try {
      const found = await callbacksApi.contact(token(), key.complaint_id)
      if (!sameKey(openKey.value, key)) return
      contact.value = found
      contactState.value = 'shown'
    } catch (err) {
      if (!sameKey(openKey.value, key) || auth.handleAuthError(err)) return
      if (err instanceof ApiError && err.status === 404) {
        contactState.value = 'none'
      } else {
        contactState.value = 'error'
        contactError.value = err instanceof ApiError && err.status === 403 ? '当前账号无权查看联系电话' : errorMessage(err)
      }
    }
  }

  // --- recording a call ---------------------------------------------------------------------------------
  const recording = shallowRef(false)
  const recordError = shallowRef<string | null>(null)

  async function recordCall(outcome: CallOutcome, note: string, resolution: CallResolution | null = null,
  ): Promise<boolean> {
    const key = openKey.value
    if (!key || recording.value) return false
    recording.value = true
    recordError.value = null
    try {
      const after = await callbacksApi.recordCall(token(), key, outcome, note.trim(), resolution)
      if (sameKey(openKey.value, key)) current.value = after
      ElMessage({ message: recordedMessage(after, outcome), type: after.status === 'pending' ? 'info' : 'success',
        duration: 4000 })
      void load()
      return true
    } catch (err) {
      if (auth.handleAuthError(err)) return false
      if (err instanceof ApiError && err.status === 409) {
        recordError.value = '这件回访已经结束（已由他人记录结果、市民已在网上评价，或已记为联系不上），不能再记录。已显示最新状态。'
        void loadCurrent(key)
        void load()
      } else if (err instanceof ApiError && err.status === 404) {
        recordError.value = '没有找到这件回访，可能已被移除；请刷新列表。'
      } else if (err instanceof ApiError && err.status === 403) {
        recordError.value = '当前账号无权记录回访'
      } else {
        recordError.value = errorMessage(err)
      }
      return false
    } finally {
      recording.value = false
    }
  }

  return {
    auth, status, department, page, pageSize, list, listLoading, listError, checkedAt, departments, start, load,
    openKey, current, currentLoading, currentError, caseInfo, caseState, caseError, openCallback, closeCallback,
    contact, contactState, contactError, showContact, recording, recordError, recordCall,
    isOpen: computed(() => openKey.value !== null),
  }
}

function recordedMessage(after: Callback, outcome: CallOutcome): string {
  const code = after.tracking_code ?? ''
  if (after.status === 'done') {
    const reopen = after.outcome === 'unsatisfied' ? '，案件将退回承办单位重办' : ''
    return `回访完成：${outcomeLabel(after.outcome)}（${code}）${reopen}`
  }
  if (after.status === 'unreachable') return `已拨打 ${after.attempts} 次仍未联系上，记为联系不上（${code}）`
  return `已记录第 ${after.attempts} 次拨打：${outcomeLabel(outcome)}（${code}），请稍后再拨`
}

export type CallbackDesk = ReturnType<typeof useCallbacks>
