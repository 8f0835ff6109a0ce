// notify's report of 直接办结 (GET /api/v1/reports/consultations, docs/knowledge.md): the consultations the hotline
// closed on the spot with a knowledge article, per month, type, article, operator and channel. Supervisors only.
import { request } from '@/shared/api'

export interface ConsultationCount {
  key: string
  name: string
  count: number
  department?: string | null // for an article: its owning department (code and name)
  department_name?: string | null
}

export interface ConsultationReport {
  month: string
  from: string
  to: string
  now: string
  total: number
  months: { month: string; count: number }[] // the twelve months up to this one, oldest first
  by_type: ConsultationCount[]
  by_article: ConsultationCount[]
  by_operator: ConsultationCount[]
  by_channel: ConsultationCount[]
}

export const consultationsApi = {
  report: (token: string, month: string, signal?: AbortSignal) =>
    request<ConsultationReport>(`/api/v1/reports/consultations?month=${encodeURIComponent(month)}`,
                                { token, signal, cache: 'no-store' }),
}
