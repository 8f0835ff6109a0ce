// notify's API for the supervisors' dashboard (README / OpenAPI at /docs): the three targets for a period
// (overall and grouped), their trend per week or month, the cases behind any figure, and the overdue and
// due-soon lists. Supervisors only.
import { request } from '@/shared/api'

export type FigureKey = 'assignment_rate' | 'on_time_reply_rate' | 'satisfaction_rate'
/** Figures shown beside the three targets, never one of them (no target): 解决率 and 审核后满意度. */
export type ExtraFigureKey = 'resolution_rate' | 'reviewed_satisfaction_rate'
export type Outcome = 'met' | 'missed' | 'all'
export type GroupBy = 'department' | 'town' | 'type' | 'channel'
export type Interval = 'week' | 'month'
export type DeadlineState = 'overdue' | 'due_soon'

export const FIGURE_KEYS: FigureKey[] = ['assignment_rate', 'on_time_reply_rate', 'satisfaction_rate']

/** One figure: numerator ÷ denominator against its target (rate and met are null when nothing was due). */
export interface Count {
  numerator: number
  denominator: number
  rate: number | null
  target: number
  met: boolean | null
}

export interface Figure extends Count {
  // the cases behind it, a page at a time (GET /api/v1/metrics/sla/cases): a figure carries no ids itself
  cases_url: string
  // district-wide only (null in groups): callbacks completed with a rating ÷ callbacks completed
  valid_callback_rate?: { numerator: number; denominator: number; rate: number | null } | null
  // satisfaction only: the rate without the rounds marked 不合理差评, beside the raw one (never instead of it)
  reviewed?: Reviewed
  note?: string
}

/** 审核后满意度: `left_out` rounds (unsatisfied, marked unreasonable) leave numerator and denominator. */
export interface Reviewed extends Count {
  left_out: number
  cases_url: string
  note?: string
}

/** 解决率: a figure beside the targets, without a target (so without a light). */
export interface ExtraFigure {
  numerator: number
  denominator: number
  rate: number | null
  cases_url?: string
  note?: string
}

export interface Figures {
  assignment_rate: Figure
  on_time_reply_rate: Figure
  satisfaction_rate: Figure
}

export interface Group extends Figures {
  key: string | null
  name: string
  resolution_rate?: ExtraFigure // 解决率 of the group (no target)
}

export interface Report extends Figures {
  resolution_rate?: ExtraFigure
  period: { from: string; to: string }
  as_of: string
  targets: Record<FigureKey, number>
  group_by: GroupBy | null
  groups: Group[]
}

export interface TrendPoint {
  key: string
  from: string
  to: string
  assignment_rate: Count
  on_time_reply_rate: Count
  satisfaction_rate: Count
  resolution_rate?: ExtraFigure // 解决率 of the period (no target)
}

export interface Trend {
  interval: Interval
  period: { from: string; to: string }
  as_of: string
  points: TrendPoint[]
}

export interface CaseLine {
  complaint_id: string
  tracking_code: string | null
  department: string | null
  department_name: string | null
  category: string | null
  category_name: string | null
  town: string | null
  town_name: string | null
  channel: string | null
  channel_name: string | null
  reply_round: number
  due: string | null
  done_at: string | null
  met: boolean | null
  rating: string | null
  resolution?: string | null
  unreasonable?: boolean
}

export interface FigureCases {
  figure: FigureKey | ExtraFigureKey
  outcome: Outcome
  period: { from: string; to: string }
  group_name: string | null
  total: number
  offset: number
  limit: number
  cases: CaseLine[]
}

export interface DeadlineLine extends CaseLine {
  clock: 'assign' | 'accept' | 'reply'
  clock_name: string
  state: DeadlineState
  started_at: string
  due: string
  seconds_left: number
  urgent: boolean
  escalated: boolean
}

export interface Deadlines {
  state: DeadlineState
  as_of: string
  counts: Record<DeadlineState, number>
  total: number
  offset: number
  limit: number
  cases: DeadlineLine[]
}

/** What a click on a number asks for: the cases one figure counted, in a period (and a group). */
export interface CasesRequest {
  figure: FigureKey | ExtraFigureKey
  outcome: Outcome
  from: string
  to: string
  groupBy?: GroupBy
  group?: string | null
  title: string
}

/** The cases an assessment indicator counted (考核): complaint ids, each read from routing. */
export interface CaseIdsRequest {
  ids: string[]
  from: string
  to: string
  title: string
  /** A line under the title (what was counted of how many). */
  detail?: string
}

/** What the drawer of cases shows: the cases behind a target's figure, or a list of ids. */
export type DrawerAsk = CasesRequest | CaseIdsRequest

export function isIdsRequest(ask: DrawerAsk | null): ask is CaseIdsRequest {
  return ask !== null && 'ids' in ask
}

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null) q.set(name, String(value))
  return q.toString()
}

export const dashboardApi = {
  report: (token: string, from: string, to: string, groupBy?: GroupBy, signal?: AbortSignal) =>
    request<Report>(`/api/v1/metrics/sla?${query({ from, to, group_by: groupBy })}`, { token, signal }),

  trend: (token: string, interval: Interval, to: string, signal?: AbortSignal) =>
    request<Trend>(`/api/v1/metrics/sla/trend?${query({ interval, to })}`, { token, signal }),

  cases: (token: string, ask: CasesRequest, offset: number, limit: number, signal?: AbortSignal) =>
    request<FigureCases>(`/api/v1/metrics/sla/cases?${query({
      figure: ask.figure, outcome: ask.outcome, from: ask.from, to: ask.to, group_by: ask.groupBy,
      // the cases in no group are asked for with an empty key
      group: ask.groupBy ? ask.group ?? '' : undefined, offset, limit,
    })}`, { token, signal }),

  deadlines: (token: string, state: DeadlineState, offset: number, limit: number, signal?: AbortSignal) =>
    request<Deadlines>(`/api/v1/metrics/deadlines?${query({ state, offset, limit })}`, { token, signal }),
}
