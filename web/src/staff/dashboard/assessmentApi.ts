// notify's 考核 (GET /api/v1/assessments, docs/assessment.md) and problem list (问题清单, GET/PATCH
// /api/v1/hotspots, docs/hotspots-and-disclosure.md), and routing's case (GET /api/v1/cases/{id}) for the ids
// an indicator counted. Supervisors only.
import { request } from '@/shared/api'

// knowledge: 知识库维护及时率, counted in articles (its `cases` is always empty); a unit without articles due for
// review (most towns) has no data for it (denominator 0)
export type IndicatorKey = 'signing' | 'reply' | 'returns' | 'reopenings' | 'satisfaction' | 'resolution' | 'knowledge'
export const INDICATOR_KEYS: IndicatorKey[] = ['signing', 'reply', 'returns', 'reopenings', 'satisfaction', 'resolution',
  'knowledge']

export type UnitKind = 'district' | 'town'
export const UNIT_KINDS: UnitKind[] = ['district', 'town']

export interface Indicator {
  name: string // 签收及时率 …
  numerator: number
  denominator: number
  rate: number | null
  points: number | null
  lower_is_better: boolean
  cases: string[] // complaint ids behind the numerator
}

export interface AssessedUnit {
  department: string
  name: string
  kind: UnitKind
  rank: number | null // null: not ranked (too few cases)
  score: number | null
  assignments: number
  indicators: Record<IndicatorKey, Indicator>
}

export interface NamedUnit {
  department: string
  name: string
}

export interface Assessment {
  from: string
  to: string
  now: string
  weights: Record<IndicatorKey, number>
  min_cases: number
  units: AssessedUnit[]
  red: Record<UnitKind, NamedUnit[]>
  black: Record<UnitKind, NamedUnit[]>
}

/** 月度 (YYYY-MM) or 年度 (YYYY). */
export type AssessmentPeriod = { month: string } | { year: string }

export type HotspotKind = 'recurring' | 'rising' | 'night_noise' | 'reopened' | 'nearby'
export type HotspotStatus = 'open' | 'in_progress' | 'resolved'
export type HotspotView = 'active' | 'resolved' | 'all'

export interface HotspotCase {
  complaint_id: string
  tracking_code: string | null
  category: string | null
  category_name: string | null
  town: string | null
  town_name: string | null
  department: string | null
  department_name: string | null
  status: string
  reply_round: number
  received_at: string | null
}

export interface Hotspot {
  key: string
  kind: HotspotKind
  kind_name: string
  title: string
  town: string | null
  town_name: string | null
  category: string | null
  category_name: string | null
  flagged: boolean
  reason: string
  count: number
  figures: Record<string, number>
  window: { from: string | null; to: string | null }
  status: HotspotStatus
  status_name: string
  owner: string | null
  plan: string | null
  note: string | null
  updated_at: string | null
  updated_by: string | null
  resolved_at: string | null
  resolved_by: string | null
  since_resolved: number
  /** The cases behind it, a page at a time (GET): the list never carries them. */
  cases_url: string
}

/** A page of the cases behind one hotspot. */
export interface HotspotCasePage {
  key: string
  total: number
  offset: number
  limit: number
  next_offset: number | null
  cases: HotspotCase[]
}

export interface HotspotList {
  as_of: string
  total: number
  offset: number
  limit: number
  next_offset: number | null
  rules: { min_cases: number; window_days: number; rising_factor: number; reopen_rounds: number }
  hotspots: Hotspot[]
}

/** What a supervisor changes: undefined = unchanged, "" clears the owner or the plan. */
export interface HotspotChange {
  owner?: string
  plan?: string
  status?: HotspotStatus
  note?: string
}

/** What routing tells a supervisor about one case (a part of GET /api/v1/cases/{id}). */
export interface CaseSummary {
  id: string
  tracking_code: string
  status: string
  category_name: string | null
  subcategory_name: string | null
  town_name: string | null
  department_name: string | null
  received_at: string
  replied_at: string | null
  reply_round: number
}

const enc = encodeURIComponent

export function assessmentQuery(period: AssessmentPeriod): string {
  return 'month' in period ? `month=${enc(period.month)}` : `year=${enc(period.year)}`
}

export const assessmentApi = {
  assessment: (token: string, period: AssessmentPeriod, signal?: AbortSignal) =>
    request<Assessment>(`/api/v1/assessments?${assessmentQuery(period)}`, { token, signal }),

  /** The workbook's address (fetched with the token by `downloadFile`). */
  workbookPath: (period: AssessmentPeriod) => `/api/v1/assessments?${assessmentQuery(period)}&format=xlsx`,

  hotspots: (token: string, view: HotspotView, offset: number, limit: number, signal?: AbortSignal) =>
    request<HotspotList>(`/api/v1/hotspots?status=${enc(view)}&offset=${offset}&limit=${limit}`,
                         { token, signal, cache: 'no-store' }),

  /** A page of the cases behind a hotspot, from its `cases_url`. */
  hotspotCases: (token: string, casesUrl: string, offset: number, limit: number, signal?: AbortSignal) =>
    request<HotspotCasePage>(`${casesUrl}?offset=${offset}&limit=${limit}`, { token, signal, cache: 'no-store' }),

  updateHotspot: (token: string, key: string, change: HotspotChange) =>
    request<Hotspot>(`/api/v1/hotspots/${enc(key)}`, { method: 'PATCH', json: change, token }),

  caseSummary: (token: string, id: string, signal?: AbortSignal) =>
    request<CaseSummary>(`/api/v1/cases/${enc(id)}`, { token, signal }),
}
