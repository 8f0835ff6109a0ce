import { computed, onScopeDispose, reactive, ref, shallowRef, watch } from 'vue'
import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'

import { errorMessage } from '@/shared/api'
import { useStaffAuth } from '../composables/useStaffAuth'
import {
  deskApi, type AssistPage, type AssistStatus, type BacklogPage, type CaseDetail, type CaseList, type CaseRow,
  type DepartmentInfo, type DuplicateCandidate, type LeaderFilter, type QueueFilters, type QueuePage,
} from './deskApi'
import { openDisputes, type DisputeList } from './pauseApi'
import { usePolledList } from './usePolledList'

export const PAGE_SIZES = [20, 50, 100]
/** 协办 and 积案 lists: one page of the most pressing (the server's largest). */
export const LIST_LIMIT = 100

/** 并单's choices: the open cases a case may duplicate, best first (loaded when the dialog opens). */
export interface MergeCandidates {
  loading: boolean
  error: string | null
  suggested: string | null
  list: DuplicateCandidate[]
}

const NO_CANDIDATES: MergeCandidates = { loading: false, error: null, suggested: null, list: [] }

/** The time countdowns are drawn at: ticks every 15 s between the server's answers. */
export function useNow(intervalMs = 15_000) {
  const now = shallowRef(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}

/** The desk's state: the queue, the department's 协办 requests (and, for supervisors, triage, extension
 * requests and 积案), the open case, the actions. */
export function useDesk() {
  const auth = useStaffAuth()
  const token = () => auth.token.value ?? ''
  const isSupervisor = computed(() => auth.session.value?.role === 'supervisor')

  // --- the queue ------------------------------------------------------------------------------------
  const department = ref(auth.session.value?.department ?? '')
  const filters = reactive<QueueFilters>({ status: '', category: '', subcategory: '', town: '', due: '' })
  const page = ref(1)
  const pageSize = ref(PAGE_SIZES[0])
  const listKey = () => JSON.stringify([department.value, filters, page.value, pageSize.value])

  const queue = usePolledList<QueuePage>(
    (etag) => deskApi.queue(token(), department.value, { ...filters }, pageSize.value,
      (page.value - 1) * pageSize.value, etag),
    auth.handleAuthError,
  )
  watch([department, () => ({ ...filters }), pageSize], () => {
    page.value = 1
    if (department.value) void queue.refresh()
  })
  watch(page, () => void queue.refresh())

  // New cases arriving while the dispatcher works: highlighted, and said once (aria-live).
  const fresh = ref(new Set<string>())
  const arrivals = shallowRef('')
  let shownKey = ''
  let shownIds = new Set<string>()
  watch(queue.data, (current) => {
    if (!current) return
    const key = listKey()
    const ids = current.cases.map((c) => c.id)
    const added = key === shownKey ? current.cases.filter((c) => !shownIds.has(c.id)) : []
    shownKey = key
    shownIds = new Set(ids)
    if (added.length) {
      fresh.value = new Set([...fresh.value, ...added.map((c) => c.id)])
      arrivals.value = `新到 ${added.length} 件案件：${added.map((c) => c.tracking_code).join('、')}`
      ElMessage({ message: arrivals.value, type: 'info', duration: 6000, grouping: true })
    }
  })

  // --- supervisors: triage and extension requests -----------------------------------------------------
  const triage = usePolledList<CaseList>((etag) => deskApi.triage(token(), etag), auth.handleAuthError)
  const extensions = usePolledList<CaseList>((etag) => deskApi.extensions(token(), etag), auth.handleAuthError)
  // 异议待裁定 (supervisors): a short list without an ETag, asked again with the others
  const disputes = usePolledList<DisputeList>(async () => ({ data: await openDisputes(token()), etag: null }),
    auth.handleAuthError)
  // 积案 (supervisors): all, not yet given to a leader, or given
  const leaderFilter = ref<LeaderFilter>('')
  const backlog = usePolledList<BacklogPage>((etag) => deskApi.backlog(token(), leaderFilter.value, LIST_LIMIT, etag),
    auth.handleAuthError)
  watch(leaderFilter, () => void backlog.refresh())

  // --- 协办: the cases the department (a supervisor chooses it) is asked to assist ---------------------------
  const assistDepartment = ref(auth.session.value?.department ?? '')
  const assistStatus = ref<AssistStatus>('requested')
  const assists = usePolledList<AssistPage>(
    (etag) => deskApi.assists(token(), assistDepartment.value, assistStatus.value, LIST_LIMIT, etag),
    auth.handleAuthError,
  )
  watch([assistDepartment, assistStatus], () => {
    if (assistDepartment.value) void assists.refresh()
  })

  const departments = shallowRef<DepartmentInfo[]>([])
  const departmentNames = computed(() => Object.fromEntries(departments.value.map((d) => [d.code, d.name])))

  async function loadDepartments() {
    try {
      departments.value = (await deskApi.departments(token())).departments
    } catch (err) {
      auth.handleAuthError(err)
    }
  }

  function start() {
    void loadDepartments()
    if (isSupervisor.value) {
      if (!department.value) department.value = 'ecology_env'
      if (!assistDepartment.value) assistDepartment.value = department.value
      triage.start()
      extensions.start()
      disputes.start()
      backlog.start()
    }
    queue.start()
    if (assistDepartment.value) assists.start()
  }

  // --- the open case ----------------------------------------------------------------------------------
  const openId = shallowRef<string | null>(null)
  const detail = shallowRef<CaseDetail | null>(null)
  const detailLoading = shallowRef(false)
  const detailError = shallowRef<string | null>(null)
  const detailFetchedAt = shallowRef(0)
  let detailController: AbortController | undefined

  async function loadDetail(id: string) {
    detailController?.abort()
    const mine = (detailController = new AbortController())
    detailLoading.value = true
    detailError.value = null
    try {
      const found = await deskApi.detail(token(), id, mine.signal)
      if (detailController === mine) {
        detail.value = found
        detailFetchedAt.value = Date.now()
      }
    } catch (err) {
      if (detailController !== mine) return
      if (!auth.handleAuthError(err)) detailError.value = errorMessage(err)
      detail.value = null
    } finally {
      if (detailController === mine) detailLoading.value = false
    }
  }

  function openCase(row: CaseRow | string) {
    const id = typeof row === 'string' ? row : row.id
    openId.value = id
    fresh.value.delete(id)
    void loadDetail(id)
  }

  function closeCase() {
    detailController?.abort()
    openId.value = null
    detail.value = null
  }

  // --- 并单: the cases the open one may duplicate ---------------------------------------------------------
  const candidates = shallowRef<MergeCandidates>(NO_CANDIDATES)
  let candidatesController: AbortController | undefined

  async function loadCandidates(id: string) {
    candidatesController?.abort()
    const mine = (candidatesController = new AbortController())
    candidates.value = { ...NO_CANDIDATES, loading: true }
    try {
      const found = await deskApi.duplicates(token(), id, mine.signal)
      if (candidatesController === mine) {
        candidates.value = { loading: false, error: null, suggested: found.suggested, list: found.candidates }
      }
    } catch (err) {
      if (candidatesController !== mine) return
      const message = auth.handleAuthError(err) ? null : errorMessage(err)
      candidates.value = { ...NO_CANDIDATES, error: message }
    }
  }

  // --- actions ------------------------------------------------------------------------------------------
  const acting = shallowRef<string | null>(null) // which action is being sent
  const actionError = shallowRef<string | null>(null)

  /** Send one action; on success the case, the lists and a message show its effect (`done` may say where
   * the case went: a return is routed again by the rules when one allows). */
  async function act(name: string, id: string, send: (token: string) => Promise<CaseRow>,
    done: string | ((after: CaseRow) => string)) {
    acting.value = name
    actionError.value = null
    try {
      const after = await send(token())
      const said = typeof done === 'function' ? done(after) : done
      ElMessage({ message: `${said}（${after.tracking_code}）`, type: 'success', duration: 3000 })
      void queue.check()
      void assists.check()
      if (isSupervisor.value) {
        void triage.check()
        void extensions.check()
        void disputes.check()
        void backlog.check()
      }
      // a case that left this desk (returned by a dispatcher: to triage, or routed to another department)
      // can no longer be read by them; a department asked to assist keeps reading it
      if (openId.value === id) {
        const own = auth.session.value?.department ?? ''
        const mine = isSupervisor.value || (after.department ?? '') === own
          || (detail.value?.id === id && detail.value.assists.some((a) => a.department === own))
        if (!mine) closeCase()
        else await loadDetail(id)
      }
      return true
    } catch (err) {
      if (!auth.handleAuthError(err)) actionError.value = errorMessage(err)
      return false
    } finally {
      acting.value = null
    }
  }

  return {
    auth, isSupervisor, department, filters, page, pageSize, queue, fresh, arrivals,
    triage, extensions, disputes, backlog, leaderFilter, assists, assistDepartment, assistStatus, departments, departmentNames,
    start,
    openId, detail, detailLoading, detailError, detailFetchedAt, openCase, closeCase, loadDetail,
    candidates, loadCandidates, acting, actionError, act,
  }
}

export type Desk = ReturnType<typeof useDesk>
