// The APIs the callback desk (回访工作台) uses: notify's satisfaction callbacks, intake's contact of one
// reporter (read on demand, each read logged), and routing's case for the text to read to the citizen.
import { request } from '@/shared/api'

export type CallbackStatus = 'pending' | 'done' | 'unreachable'
export type CallbackStatusFilter = CallbackStatus | 'all'
export type CallbackReason = 'sampled' | 'weekly_minimum' | 'unsatisfied_online'
export type CallOutcome = 'satisfied' | 'basically_satisfied' | 'unsatisfied' | 'no_answer' | 'refused'
/** 解决情况: recorded with a rating (required then), never with a call that gave none. */
export type CallResolution = 'resolved' | 'partly_resolved' | 'unresolved'

export interface CallRecord {
  at: string
  by: string
  outcome: CallOutcome
  outcome_label: string
  resolution: CallResolution | null
  resolution_label: string | null
  note: string | null
}

/** One callback (a replied round of a complaint chosen to be called back). */
export interface Callback {
  complaint_id: string
  reply_round: number
  tracking_code: string | null
  department: string | null
  department_name: string | null
  reason: CallbackReason
  draw: number | null
  replied_at: string
  due_at: string
  overdue: boolean
  status: CallbackStatus
  outcome: string | null
  outcome_label: string | null
  attempts: number
  completed_at: string | null
  completed_by: string | null
  resolution: CallResolution | null
  resolution_label: string | null
  calls: CallRecord[]
}

export interface CallbackPage {
  total: number
  offset: number
  limit: number
  callbacks: Callback[]
}

/** The reporter's name and number in clear (intake logs each read). */
export interface Contact {
  tracking_code: string
  name: string | null
  phone: string
}

const enc = encodeURIComponent
const one = (c: { complaint_id: string; reply_round: number }) =>
  `/api/v1/callbacks/${enc(c.complaint_id)}/${enc(String(c.reply_round))}`

export const callbacksApi = {
  list: (token: string, status: CallbackStatusFilter, department: string, limit: number, offset: number,
    signal?: AbortSignal) => {
    const query = new URLSearchParams({ status, limit: String(limit), offset: String(offset) })
    if (department) query.set('department', department)
    return request<CallbackPage>(`/api/v1/callbacks?${query.toString()}`, { token, signal, cache: 'no-store' })
  },

  get: (token: string, key: { complaint_id: string; reply_round: number }, signal?: AbortSignal) =>
    request<Callback>(one(key), { token, signal, cache: 'no-store' }),

  recordCall: (token: string, key: { complaint_id: string; reply_round: number }, outcome: CallOutcome,
    note: string, resolution: CallResolution | null = null) =>
    request<Callback>(`${one(key)}/calls`, {
      token, json: { outcome, ...(note ? { note } : {}), ...(resolution ? { resolution } : {}) },
    }),

  // Each read of the number in clear is kept with its purpose (回访 here) for supervisors to review.
  contact: (token: string, complaintId: string) =>
    request<Contact>(`/api/v1/complaints/${enc(complaintId)}/contact?purpose=callback`, { token, cache: 'no-store' }),
}
