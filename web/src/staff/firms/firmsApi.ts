// 被举报企业 (reported firms) through routing's API (/api/v1/firms, /api/v1/cases/{id}/firm): the register, a firm's
// history with the repeat flag (重复被举报), and a case's link to a firm (docs/firms.md). Who may do what is the
// server's; the pages only follow it.
import { request } from '@/shared/api'

export type FirmStatus = 'operating' | 'suspended' | 'closed'

export const FIRM_STATUS_LABELS: Record<FirmStatus, string> = { operating: '正常生产', suspended: '停产整治', closed: '已关停' }

export interface Firm {
  id: string
  name: string
  credit_code: string
  permit_number: string | null
  address: string
  town: string
  town_name: string
  industry: string
  status: FirmStatus
  status_label: string
  created_at: string
  created_by: string
  updated_at: string
  updated_by: string
  url: string
  recent_cases?: number
  repeated?: boolean
}

export interface RepeatRule {
  threshold: number
  days: number
}

export interface FirmPage {
  total: number
  offset: number
  limit: number
  next_offset: number | null
  rule: RepeatRule
  firms: (Firm & { recent_cases: number; repeated: boolean })[]
}

export interface LinkedCase {
  complaint_id: string
  tracking_code: string
  received_at: string
  category: string | null
  category_name: string | null
  subcategory: string | null
  department: string | null
  status: string
  status_label: string
  finding: string | null
  finding_label: string | null
  counted: boolean
}

export interface FirmDetail extends Firm {
  rule: RepeatRule
  recent_cases: number
  repeated: boolean
  repeated_label: string | null
  reason: string
  window_from: string
  cases_total: number
  cases: LinkedCase[]
}

export interface FirmInput {
  name: string
  credit_code: string
  permit_number: string | null
  address: string
  town: string
  industry: string
  status: FirmStatus
}

export interface CaseFirmLink {
  complaint_id: string
  tracking_code: string
  department: string | null
  firm: Firm | null
}

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** What is wrong with a 统一社会信用代码 as typed (null: it is valid): the server checks the same (GB 32100-2015). */
export function creditCodeProblem(value: string): string | null {
  const code = value.replace(/\s+/g, '').toUpperCase()
  if (code.length !== 18) return `应为18位，现为${code.length}位`
  if ([...code].some((ch) => !CHARSET.includes(ch))) return '只能是数字和大写字母（不使用 I、O、Z、S、V）'
  const sum = [...code.slice(0, 17)].reduce((total, ch, i) => total + CHARSET.indexOf(ch) * (3 ** i % 31), 0)
  const expected = CHARSET[(31 - (sum % 31)) % 31]
  return code[17] === expected ? null : `校验位不正确（应为 ${expected}），请核对`
}

export const firmsApi = {
  search: (token: string, params: { q?: string; repeated?: boolean; offset?: number; limit?: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams()
    if (params.q) query.set('q', params.q)
    if (params.repeated) query.set('repeated', 'true')
    query.set('offset', String(params.offset ?? 0))
    query.set('limit', String(params.limit ?? 20))
    return request<FirmPage>(`/api/v1/firms?${query}`, { token, signal })
  },
  get: (token: string, id: string) => request<FirmDetail>(`/api/v1/firms/${encodeURIComponent(id)}`, { token }),
  create: (token: string, body: FirmInput) => request<FirmDetail>('/api/v1/firms', { token, method: 'POST', json: body }),
  update: (token: string, id: string, body: Partial<FirmInput>) =>
    request<FirmDetail>(`/api/v1/firms/${encodeURIComponent(id)}`, { token, method: 'PATCH', json: body }),
  caseFirm: (token: string, caseId: string) =>
    request<CaseFirmLink>(`/api/v1/cases/${encodeURIComponent(caseId)}/firm`, { token }),
  link: (token: string, caseId: string, firmId: string) =>
    request<CaseFirmLink>(`/api/v1/cases/${encodeURIComponent(caseId)}/firm`, { token, method: 'PUT', json: { firm_id: firmId } }),
  unlink: (token: string, caseId: string) =>
    request<CaseFirmLink>(`/api/v1/cases/${encodeURIComponent(caseId)}/firm`, { token, method: 'DELETE' }),
}
