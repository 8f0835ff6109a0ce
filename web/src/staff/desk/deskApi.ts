// The routing API the desk uses (README / OpenAPI at /docs): queues, the case page, the dispatcher's
// actions, and the supervisor's triage, assignment and extension decisions; 不予受理, 转办, 改派 and 并单;
// 协办 (assisting departments), 积案 (long-standing cases) and 领导包案.
import { request, requestIfChanged } from '@/shared/api'
import type { InspectionBrief } from '@/staff/inspections/inspectionsApi'
import type { CaseFollowups } from './FollowupPanel.vue'
import type { IncidentDetail } from './IncidentPanel.vue'
import type { InvestigationBrief } from './investigationApi'
import type { PetitionBrief } from './petitionApi'

export type CaseStatus = 'triage' | 'assigned' | 'accepted' | 'replied' | 'rejected' | 'forwarded' | 'merged'
export type DeadlineKind = 'assign' | 'accept' | 'reply' | 'assist'
export type DueState = 'normal' | 'soon' | 'overdue'

/** The deadline to meet next, with its countdown in working time (negative: overdue). */
export interface Deadline {
  kind: DeadlineKind
  due: string
  seconds_left: number
  working_seconds_left: number
  state: DueState
  /** counted in calendar time (`seconds_left`): the server gives no working time for it (协办) */
  calendar?: boolean
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
  /** paused clocks (pauseApi.ts): 异议中 (dispute) or 已挂起 (suspension) */
  paused?: 'dispute' | 'suspension' | null
  /** 突发环境事件 (docs/incidents.md): suspected by routing, declared by a person, or cleared (a false alarm) */
  incident?: 'suspected' | 'declared' | 'cleared' | null
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
  /** 领导包案: the leader (name and post) who owns the case to closure, the plan, since when. */
  leader: string | null
  leader_plan: string | null
  leader_at: string | null
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

export type AssistStatus = 'requested' | 'replied' | 'closed'

/** 协办: a department asked to assist the lead department, and its answer. */
export interface AssistRecord {
  department: string
  status: AssistStatus
  due: string
  /** calendar seconds until `due` while the request waits (negative: overdue); null once answered or closed */
  seconds_left: number | null
  /** the same in working time (only working days' hours count), as the case's own countdowns */
  working_seconds_left?: number | null
  note: string | null
  requested_at: string
  requested_by: string
  replied_at: string | null
  replied_by: string | null
  reply: string | null
  /** answered after `due`, or (still waiting) past it */
  late: boolean
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
  /** 协办: the departments asked to assist, and their answers. */
  assists: AssistRecord[]
  /** 办理照片 of every round. */
  photos: ReplyPhoto[]
  /** 信访件: the case's petition file in a line, or null when it is not one. */
  petition: PetitionBrief | null
  /** 调查处理: the case's investigation in a line, or null when nothing is recorded. */
  investigation?: InvestigationBrief | null
  /** 突发环境事件 (docs/incidents.md): the banner's state, 2-hour clock and referrals; null when never one. */
  incident_detail?: IncidentDetail | null
  /** 督察交办件: the case's inspection registration in a line, or null when it is not one. */
  inspection?: InspectionBrief | null
  /** 督办 clocks of signing (首次联系, 现场核查) and the upstream platform's deadlines (docs/metrics.md). */
  followups?: CaseFollowups
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

/** A case a department is asked to assist, with that department's request (GET /assists/{department}). */
export interface AssistRow extends CaseRow {
  assist: AssistRecord
}

export interface AssistPage {
  department: string
  department_name: string | null
  now: string
  count: number
  limit: number
  offset: number
  next_offset: number | null
  cases: AssistRow[]
}

/** 积案: a long-standing case and why it is one ("已超期", "受理超过 30 天", "重办 2 次"). */
export interface BacklogRow extends CaseRow {
  backlog_reasons: string[]
}

export interface BacklogPage {
  now: string
  days: number
  count: number
  limit: number
  offset: number
  next_offset: number | null
  cases: BacklogRow[]
}

/** 积案 given to a leader: all (''), not yet ('false'), given ('true'). */
export type LeaderFilter = '' | 'true' | 'false'

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

  /** 协办: the cases `department` is asked to assist, the nearest assist deadline first. */
  assists: (token: string, department: string, status: AssistStatus, limit: number, etag: string | null) => {
    const query = new URLSearchParams({ status, limit: String(limit) })
    return requestIfChanged<AssistPage>(`/api/v1/assists/${enc(department)}?${query.toString()}`, etag, { token })
  },

  /** 请求协办 (the lead's dispatcher or a supervisor): each department gets its own deadline. */
  requestAssist: (token: string, id: string, departments: string[], note: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/assists`, { token, json: { departments, ...(note ? { note } : {}) } }),

  /** 回复主办单位: an assisting department's answer (a supervisor names the department). */
  replyAssist: (token: string, id: string, reply: string, department: string | null) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/assist/reply`, {
      token,
      json: { reply, ...(department ? { department } : {}) },
    }),

  /** 积案 (supervisors), the oldest first; `leader` narrows to cases given to a leader or not. */
  backlog: (token: string, leader: LeaderFilter, limit: number, etag: string | null) => {
    const query = new URLSearchParams({ limit: String(limit) })
    if (leader) query.set('leader', leader)
    return requestIfChanged<BacklogPage>(`/api/v1/backlog?${query.toString()}`, etag, { token })
  },

  /** 领导包案 (supervisors): a named leader owns the case to closure. */
  giveToLeader: (token: string, id: string, leader: string, plan: string) =>
    request<CaseRow>(`/api/v1/cases/${enc(id)}/leader`, { token, json: { leader, plan } }),
}

/** 办理照片: a photo a department took for its reply (the round it belongs to). */
export interface ReplyPhoto {
  id: string
  reply_round: number
  department: string
  content_type: string
  size: number
  uploaded_by: string
  uploaded_at: string
}

/** What the citizen attached to the complaint (intake: GET /complaints/{id}/attachments). */
export interface CitizenAttachment {
  id: string
  content_type: string
  size: number
  url: string
}

export const mediaApi = {
  /** 投诉人上传的照片和视频 (a dispatcher: the own department's cases). */
  attachments: (token: string, id: string, signal?: AbortSignal) =>
    request<{ complaint_id: string; attachments: CitizenAttachment[] }>(
      `/api/v1/complaints/${enc(id)}/attachments`, { token, signal }),

  /** 上传办理照片 for the current round's reply (at most 9 per round). */
  addPhoto: (token: string, id: string, file: File) => {
    const multipart = new FormData()
    multipart.append('file', file)
    return request<ReplyPhoto>(`/api/v1/cases/${enc(id)}/photos`, { token, multipart })
  },

  photoUrl: (id: string, photoId: string) => `/api/v1/cases/${enc(id)}/photos/${enc(photoId)}`,
}
