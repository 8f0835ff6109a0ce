// 举报奖励 (rewards for reporters) through routing's API (/api/v1/rewards, docs/rewards.md): the list by status, one
// reward with why its reporter was chosen, approval (amount, reason), refusal (reason), payment and lapse.
// Supervisors and administrators only: who reported is confidential, and the server refuses everyone else.
import { request } from '@/shared/api'

export type RewardStatus = 'eligible' | 'approved' | 'paid' | 'lapsed' | 'rejected'
export type PaymentMethod = 'bank_transfer' | 'cash' | 'other'

export const STATUS_LABELS: Record<RewardStatus, string> = {
  eligible: '待审批', approved: '待领取', paid: '已发放', lapsed: '逾期失效', rejected: '不予奖励',
}
export const METHOD_LABELS: Record<PaymentMethod, string> = { bank_transfer: '银行转账', cash: '现金', other: '其他' }
export const FINDING_LABELS: Record<string, string> = { true: '属实', partly: '部分属实', false: '不属实' }
export const ACTION_LABELS: Record<string, string> = { rectify: '责令整改', penalty: '立案处罚', transfer: '移送' }
export const TRAIL_LABELS: Record<string, string> = {
  eligible: '符合奖励条件', approved: '审批通过', rejected: '不予奖励', paid: '登记发放', lapsed: '逾期失效', anonymised: '个人信息已删除',
}

export interface WeighedReport {
  complaint_id: string
  tracking_code: string
  received_at: string
  relation: string
  relation_label: string
  standing: string
  standing_label: string
}

export interface Reward {
  id: string
  complaint_id: string
  tracking_code: string
  department: string
  finding: string
  penalty_yuan: string
  actions: string[]
  status: RewardStatus
  status_label: string
  reporter: { complaint_id: string; tracking_code: string; phone_masked: string | null; received_at: string }
  explanation: WeighedReport[]
  suggested_yuan: string
  created_at: string
  amount_yuan: string | null
  decided_at: string | null
  decided_by: string | null
  decision_reason: string | null
  claim_due: string | null
  payment: {
    claimed_on: string; paid_on: string; method: PaymentMethod; method_label: string; paid_by: string
    reference: string | null; recorded_at: string; recorded_by: string
  } | null
  lapsed_at: string | null
  lapsed_by: string | null
  trail: { at: string; by: string; action: string; detail: Record<string, unknown> }[]
}

export interface RewardPage {
  items: Reward[]
  total: number
  offset: number
  limit: number
  next_offset: number | null
  counts: Record<RewardStatus, number>
  rules: { cap_yuan: string; claim_days: number }
}

export interface PaymentInput {
  claimed_on: string
  paid_on: string
  method: PaymentMethod
  paid_by: string
  reference: string | null
}

const path = (id: string, step = '') => `/api/v1/rewards/${encodeURIComponent(id)}${step}`

export const rewardsApi = {
  list: (token: string, params: { status?: RewardStatus | ''; offset?: number; limit?: number }) => {
    const query = new URLSearchParams()
    if (params.status) query.set('status', params.status)
    query.set('offset', String(params.offset ?? 0))
    query.set('limit', String(params.limit ?? 20))
    return request<RewardPage>(`/api/v1/rewards?${query}`, { token })
  },
  get: (token: string, id: string) => request<Reward>(path(id), { token }),
  approve: (token: string, id: string, amount_yuan: string, reason: string) =>
    request<Reward>(path(id, '/approve'), { token, method: 'POST', json: { amount_yuan, reason } }),
  reject: (token: string, id: string, reason: string) =>
    request<Reward>(path(id, '/reject'), { token, method: 'POST', json: { reason } }),
  pay: (token: string, id: string, body: PaymentInput) =>
    request<Reward>(path(id, '/payment'), { token, method: 'POST', json: body }),
  lapse: (token: string, id: string) => request<Reward>(path(id, '/lapse'), { token, method: 'POST', json: {} }),
}
