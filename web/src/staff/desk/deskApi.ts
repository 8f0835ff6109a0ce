// The routing API the desk uses (README / OpenAPI at /docs): queues, the case page, the dispatcher's
// actions, and the supervisor's triage, assignment and extension decisions.
import { request, requestIfChanged } from '@/shared/api'

export type CaseStatus = 'triage' | 'assigned' | 'accepted' | 'replied'
export type DeadlineKind = 'assign' | 'accept' | 'reply'
export type DueState = 'normal' | 'soon' | 'overdue'

/** The deadline to meet next, with its countdown in working time (negative: overdue). */
export interface Deadline {
  kind: DeadlineKind
  due: string
  seconds_left: number
  working_seconds_left: number
  state: DueState
}

export interface PendingExtension {
  working_days: number
  reason: string
  requested_at: string
  requested_by: string
}

export interface CaseRow {
  id: string
  tracking_code: string
  status: CaseStatus
  channel: string
  content: string
  category: string | null
  category_name: string | null
  subcategory: string | null
  subcategory_name: string | null
  town: string | null
  town_name: string | null
  address: string | null
  urgent: boolean
  reporter_phone_masked: string | null
  department: string | null
  department_name: string | null
  rule: string | null
  received_at: string
  assign_due: string
  assigned_at: string | null
  accept_due: string | null
  accepted_at: string | null
  return_due: string | null
  reply_due: string | null
  replied_at: string | null
  reply: string | null
  reply_round: number
  seconds_left: Record<string, number | null>
  working_seconds_left?: Record<string, number | null>
  deadline?: Deadline | null
  can_return: boolean
  pending_extension: PendingExtension | null
  triage_reason?: string | null
  confidence?: number | null
}

export interface HistoryEntry {
  action: string
  actor: string
  at: string
  detail: Record<string, unknown>
}

export interface ExtensionRecord {
  id: number
  working_days: number
  reason: string
  status: 'requested' | 'approved' | 'refused'
  requested_at: string
  requested_by: string
  decided_at: string | null
  decided_by: string | null
}

export interface CaseDetail extends CaseRow {
  extension_days_left: number
  can_request_extension: boolean
  confidence: number | null
  explanation: Record<string, unknown>
  triage_reason: string | null
  history: HistoryEntry[]
  extensions: ExtensionRecord[]
}

export interface CaseList {
  now: string
  count: number
  cases: CaseRow[]
}

export interface QueuePage extends CaseList {
  department: string
  department_name: string | null
  limit: number
  offset: number
  next_offset: number | null
}

export interface QueueFilters {
  status: '' | 'assigned' | 'accepted' | 'replied'
  category: string
  subcategory: string
  town: string
  due: '' | 'soon' | 'overdue'
}

export interface DepartmentInfo {
  code: string
  name: string
  kind: string
  active: boolean
}

export type Versioned<T> = { data: T; etag: string | null } | null

const enc = encodeURIComponent

export const deskApi = {
  queue: (token: string, department: string, filters: QueueFilters, limit: number, offset: number,
    etag: string | null): Promise<Versioned<QueuePage>> => {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) })
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value)
    return requestIfChanged<QueuePage>(`/api/v1/queues/${enc(department)}?${query.toString()}`, etag, { token })
  },

  triage: (token: string, etag: string | null) => requestIfChanged<CaseList>('/api/v1/triage', etag, { token }),

  extensions: (token: string, etag: string | null) =>
    requestIfChanged<CaseList>('/api/v1/extensions', etag, { token }),

  detail: (token: string, id: string, signal?: AbortSignal) =>
    request<CaseDetail>(`/api/v1/cases/${enc(id)}`, { token, signal }),

  departments: (token: string) => request<{ departments: DepartmentInfo[] }>('/api/v1/departments', { token }),

  accept: (token: string, id: string) => request<CaseRow>(`/api/v1/cases/${enc(id)}/accept`, { token, method: 'POST' }),

  reply: (token: string, id: string, reply: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/reply`, { token, json: { reply } }),

  returnCase: (token: string, id: string, reason: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/return`, { token, json: { reason } }),

  requestExtension: (token: string, id: string, workingDays: number, reason: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/extension`, { token, json: { working_days: workingDays, reason } }),

  decideExtension: (token: string, id: string, approve: boolean) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/extension/${approve ? 'approve' : 'refuse'}`, { token, method: 'POST' }),

  assign: (token: string, id: string, department: string, category: string, subcategory: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/assign`, {
      token,
      json: { department, category, ...(subcategory ? { subcategory } : {}) },
    }),
}
