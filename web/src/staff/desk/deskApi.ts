// The routing API the desk uses (README / OpenAPI at /docs): queues, the case page, the dispatcher's
// actions, and the supervisor's triage, assignment and extension decisions; 不予受理, 转办, 改派 and 并单.
import { request, requestIfChanged } from '@/shared/api'

export type CaseStatus = 'triage' | 'assigned' | 'accepted' | 'replied' | 'rejected' | 'forwarded' | 'merged'
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
  /** 并单 is possible (not replied, not closed). */
  can_merge: boolean
  /** When and why a case ended without a reply of ours (不予受理: the reason the citizen reads; 转办/并单: the note). */
  closed_at: string | null
  closing_reason: string | null
  /** 转办: the body outside the bureau it went to. */
  forwarded_to: string | null
  /** 并单: the id of the case it is handled with. */
  merged_into: string | null
  /** 疑似重复: the id of the open case it looks like (a suggestion, for a person to confirm). */
  duplicate_of: string | null
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

/** An open case a case may duplicate, and why (GET /cases/{id}/duplicates; `explanation.duplicate`). */
export interface DuplicateCandidate {
  complaint_id: string
  tracking_code: string
  status: CaseStatus
  department: string | null
  received_at: string
  address: string | null
  score: number
  text_similarity: number
  address_similarity: number | null
  distance_m: number | null
  reasons: string[]
}

export interface DuplicateList {
  complaint_id: string
  suggested: string | null
  candidates: DuplicateCandidate[]
}

export interface CaseDetail extends CaseRow {
  extension_days_left: number
  can_request_extension: boolean
  confidence: number | null
  explanation: Record<string, unknown>
  triage_reason: string | null
  /** The cases merged into this one (并单). */
  duplicates: { id: string; tracking_code: string }[]
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

  /** 不予受理 (supervisors, a case in triage): the citizen reads the reason. */
  reject: (token: string, id: string, reason: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/reject`, { token, json: { reason } }),

  /** 转办 (supervisors, a case in triage) to a body outside the bureau. */
  forward: (token: string, id: string, body: string, note: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/forward`, { token, json: { body, ...(note ? { note } : {}) } }),

  /** 改派 (supervisors, a case a department is working on) to another department. */
  transfer: (token: string, id: string, department: string, reason: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/transfer`, { token, json: { department, reason } }),

  /** 疑似重复: the open cases this one may duplicate, best first (a dispatcher: the own department's). */
  duplicates: (token: string, id: string, signal?: AbortSignal) =>
    request<DuplicateList>(`/api/v1/cases/${enc(id)}/duplicates`, { token, signal }),

  /** 并单: this case is handled as `masterId`. */
  merge: (token: string, id: string, masterId: string, reason: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/merge`, {
      token,
      json: { master_id: masterId, ...(reason ? { reason } : {}) },
    }),
}
