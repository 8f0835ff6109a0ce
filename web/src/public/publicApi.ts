// notify's public disclosure (主动公开, GET /api/v1/public/monthly): a month's figures and the cases handled
// in it, with nothing that points to a person. No sign-in.
import { request } from '@/shared/api'

export interface PublicRate {
  numerator: number
  denominator: number
  rate: number | null
  target: number
  met: boolean | null
}

export interface PublicCount {
  key: string | null
  name: string
  count: number
}

export interface PublicCase {
  received_month: string
  type_name: string
  town_name: string
  department_name: string
  status_name: string
  replied_on: string
  reopened: boolean
  summary: string | null
}

export interface PublicMonthly {
  month: string
  period: { from: string; to: string }
  as_of: string
  received: number
  handled: number
  by_type: PublicCount[]
  by_town: PublicCount[]
  assignment_rate: PublicRate
  on_time_reply_rate: PublicRate
  satisfaction_rate: PublicRate
  cases: PublicCase[]
  total: number
  offset: number
  limit: number
  privacy: string
}

export const PAGE_SIZE = 10

export const publicApi = {
  monthly: (month: string, offset = 0, signal?: AbortSignal) => {
    const query = new URLSearchParams({ month, offset: String(offset), limit: String(PAGE_SIZE) })
    return request<PublicMonthly>(`/api/v1/public/monthly?${query.toString()}`, { signal })
  },
}
