// 派单异议 and 挂起 on the desk (docs/metrics.md, "Disputed assignments and suspended cases"): the department
// contests an assignment before signing, a supervisor upholds (维持) or reassigns (改派) it; the department that
// signed suspends the case while it waits for the citizen (the reply clock pauses) and resumes it.
import { request } from '@/shared/api'
import type { CaseRow } from './deskApi'

export type PauseKind = 'dispute' | 'suspension'
export type SuspendReason = 'unreachable' | 'materials' | 'citizen_asked' | 'other'

export interface DisputeRecord {
  department: string
  department_name: string | null
  reason: string
  proposed_department: string | null
  proposed_department_name: string | null
  status: 'open' | 'upheld' | 'reassigned' | 'withdrawn'
  raised_at: string
  raised_by: string
  decided_at: string | null
  decided_by: string | null
  note: string | null
  reassigned_to: string | null
  paused_seconds: number
}

export interface SuspensionRecord {
  department: string
  reply_round: number
  reason_code: SuspendReason
  reason: string
  note: string | null
  started_at: string
  started_by: string
  ended_at: string | null
  ended_by: string | null
  credited_seconds: number
}

/** What the case page carries of its paused clocks. */
export interface PauseInfo {
  id: string
  status: string
  department: string | null
  paused?: PauseKind | null
  disputes?: DisputeRecord[]
  suspensions?: SuspensionRecord[]
  can_dispute?: boolean
  can_suspend?: boolean
  suspension_allowance?: { max_count: number; used_count: number; max_working_days: number;
    working_seconds_left: number }
  suspend_reasons?: { code: SuspendReason; label: string }[]
}

export const DISPUTE_STATUS_LABELS: Record<DisputeRecord['status'], string> = {
  open: '异议中', upheld: '已维持', reassigned: '已改派', withdrawn: '已撤销',
}

export const PAUSE_LABELS: Record<PauseKind, string> = { dispute: '异议中', suspension: '已挂起' }

const post = <T>(token: string, id: string, action: string, body?: unknown) =>
  request<T>(`/api/v1/cases/${encodeURIComponent(id)}/${action}`, { token, method: 'POST', json: body ?? {} })

export const pauseApi = {
  dispute: (token: string, id: string, reason: string, proposedDepartment: string | null) =>
    post(token, id, 'dispute', { reason, ...(proposedDepartment ? { proposed_department: proposedDepartment } : {}) }),
  uphold: (token: string, id: string, note: string | null) =>
    post(token, id, 'dispute/uphold', note ? { note } : {}),
  reassign: (token: string, id: string, department: string, note: string | null) =>
    post(token, id, 'dispute/reassign', { department, ...(note ? { note } : {}) }),
  suspend: (token: string, id: string, reason: SuspendReason, note: string | null) =>
    post(token, id, 'suspend', { reason, ...(note ? { note } : {}) }),
  resume: (token: string, id: string) =>
    request(`/api/v1/cases/${encodeURIComponent(id)}/resume`, { token, method: 'POST' }),
}

/** 异议待裁定 (supervisors): the open disputes, the oldest first, each row a case with its dispute. */
export interface DisputeRow extends CaseRow {
  dispute: DisputeRecord | null
}

export interface DisputeList {
  items: DisputeRow[]
  total: number
}

export const openDisputes = (token: string) => request<DisputeList>('/api/v1/triage/disputes?limit=100', { token })
