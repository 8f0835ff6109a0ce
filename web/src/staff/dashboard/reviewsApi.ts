// notify's API for 差评复核 (不合理差评, docs/metrics.md): the rounds whose latest rating in a period is
// unsatisfied, one round's review with its audit trail, marking one unreasonable and withdrawing the mark.
// Supervisors only. A mark changes the reviewed satisfaction rate only; the raw one (the target's) keeps it.
import { request } from '@/shared/api'

export type ReviewState = 'all' | 'marked' | 'unmarked'

/** At most this many characters in a reason (the server's REASON_MAX). */
export const REASON_MAX = 500

export interface ReviewEntry {
  action: 'mark' | 'withdraw' | string
  action_label: string
  reason: string
  by: string
  at: string
}

/** One reply round's latest rating and how it was reviewed (no citizen's words, no contact). */
export interface RatedRound {
  complaint_id: string
  reply_round: number
  tracking_code: string | null
  department: string | null
  department_name: string | null
  rating: string
  resolution: string | null
  resolution_label: string | null
  comment?: string | null // 评价意见, phone and ID numbers replaced; none: not given (or rated before it was kept)
  via: string
  rated_at: string
  marked: boolean
  reason: string | null // of the latest mark or withdrawal
  reviewed_by: string | null
  reviewed_at: string | null
  history: ReviewEntry[] // only in one round's detail
}

export interface UnsatisfiedPage {
  period: { from: string; to: string }
  state: ReviewState
  total: number
  offset: number
  limit: number
  next_offset: number | null
  rounds: RatedRound[]
}

export interface ReviewsAsk {
  from: string
  to: string
  state: ReviewState
  department?: string | null
  offset: number
  limit: number
}

const BASE = '/api/v1/metrics/satisfaction/reviews'

function roundPath(complaintId: string, round: number): string {
  return `${BASE}/${encodeURIComponent(complaintId)}/${round}`
}

export const reviewsApi = {
  list: (token: string, ask: ReviewsAsk, signal?: AbortSignal) => {
    const q = new URLSearchParams({ from: ask.from, to: ask.to, state: ask.state, offset: String(ask.offset),
      limit: String(ask.limit) })
    if (ask.department) q.set('department', ask.department)
    return request<UnsatisfiedPage>(`${BASE}?${q}`, { token, signal })
  },

  detail: (token: string, complaintId: string, round: number, signal?: AbortSignal) =>
    request<RatedRound>(roundPath(complaintId, round), { token, signal }),

  mark: (token: string, complaintId: string, round: number, reason: string) =>
    request<RatedRound>(roundPath(complaintId, round), { token, method: 'POST', json: { reason } }),

  withdraw: (token: string, complaintId: string, round: number, reason: string) =>
    request<RatedRound>(`${roundPath(complaintId, round)}/withdraw`, { token, method: 'POST', json: { reason } }),
}
