// 督察交办件 (inspection cases, docs/inspections.md) through routing's API: supervisors (and administrators)
// register a case as one an inspection transferred, record what the district found and did, and publish a batch
// in the public 边督边改 table.
import { request } from '@/shared/api'

export type InspectionKind = 'central' | 'municipal'
export type Finding = 'true' | 'partly' | 'false'
export type Progress = 'in_progress' | 'staged' | 'done'

export const KIND_LABELS: Record<InspectionKind, string> = { central: '中央督察', municipal: '市级督察' }
export const FINDING_LABELS: Record<Finding, string> = { true: '属实', partly: '部分属实', false: '不属实' }
export const PROGRESS_LABELS: Record<Progress, string> = {
  in_progress: '办理中', staged: '阶段性办结', done: '已办结',
}
export const PROGRESS_ORDER: Progress[] = ['in_progress', 'staged', 'done']
export const PROGRESS_TAG: Record<Progress, 'warning' | 'primary' | 'success'> = {
  in_progress: 'warning', staged: 'primary', done: 'success',
}

/** What the case page says of its inspection registration (null: not one). */
export interface InspectionBrief {
  number: string
  kind_label: string
  round_name: string
  batch: number
  key_case: boolean
  progress: Progress
  progress_label: string
  overdue: boolean
}

/** A case in the list (GET /api/v1/inspections). */
export interface InspectionSummary {
  complaint_id: string
  tracking_code: string
  kind: InspectionKind
  kind_label: string
  round_name: string
  batch: number
  number: string
  key_case: boolean
  received_on: string
  report_due: string
  overdue: boolean
  finding: Finding | null
  finding_label: string | null
  progress: Progress
  progress_label: string
}

export interface InspectionUpdate {
  id: number
  actor: string
  at: string
  changes: Record<string, unknown>
}

/** The whole file (GET /api/v1/inspections/{id}): who was interviewed or held accountable is staff-only. */
export interface InspectionFile extends InspectionSummary {
  department: string | null
  department_name: string | null
  registered_at: string
  registered_by: string
  investigation: string | null
  measures: string | null
  penalty_cases: number
  fine_yuan: string
  interviews: number
  interviewed: string | null
  accountability: number
  accountable: string | null
  published: boolean
  updated_at: string | null
  updated_by: string | null
  updates: InspectionUpdate[]
}

export interface InspectionPage {
  total: number
  limit: number
  offset: number
  today: string
  inspections: InspectionSummary[]
}

export interface InspectionBatch {
  round_name: string
  batch: number
  cases: number
  key_cases: number
  done: number
  overdue: number
  published: boolean
}

export interface RegisterBody {
  kind: InspectionKind
  round_name: string
  batch: number
  number: string
  key_case: boolean
  received_at?: string
  report_due: string
}

/** The fields of an update; only those changed are sent. */
export interface ProgressBody {
  finding?: Finding
  progress?: Progress
  investigation?: string
  measures?: string
  penalty_cases?: number
  fine_yuan?: string
  interviews?: number
  interviewed?: string
  accountability?: number
  accountable?: string
}

/** The names of the update's fields as people read them (the history of updates). */
export const FIELD_LABELS: Record<string, string> = {
  finding: '是否属实', progress: '办理状态', investigation: '调查核实情况', measures: '处理和整改情况',
  penalty_cases: '立案（起）', fine_yuan: '罚款（元）', interviews: '约谈（人次）', interviewed: '约谈对象',
  accountability: '问责（人）', accountable: '问责对象',
}

export function changeText(field: string, value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (field === 'finding') return FINDING_LABELS[value as Finding] ?? String(value)
  if (field === 'progress') return PROGRESS_LABELS[value as Progress] ?? String(value)
  return String(value)
}

const enc = encodeURIComponent

/** The public table (no sign-in) of a batch, as a page and as the workbook. */
export function publicQuery(roundName?: string | null, batch?: number | null): string {
  const query = new URLSearchParams()
  if (roundName) query.set('round', roundName)
  if (batch) query.set('batch', String(batch))
  const text = query.toString()
  return text ? `?${text}` : ''
}

export const inspectionsApi = {
  list: (token: string, filter: { round?: string; batch?: number | null; key?: boolean }, limit: number,
    offset: number, signal?: AbortSignal) => {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) })
    if (filter.round) query.set('round', filter.round)
    if (filter.batch) query.set('batch', String(filter.batch))
    if (filter.key) query.set('key', 'true')
    return request<InspectionPage>(`/api/v1/inspections?${query.toString()}`, { token, signal })
  },

  file: (token: string, id: string, signal?: AbortSignal) =>
    request<InspectionFile>(`/api/v1/inspections/${enc(id)}`, { token, signal }),

  batches: (token: string, signal?: AbortSignal) =>
    request<{ today: string; batches: InspectionBatch[] }>('/api/v1/inspections/batches', { token, signal }),

  register: (token: string, caseId: string, body: RegisterBody) =>
    request<InspectionFile>(`/api/v1/cases/${enc(caseId)}/inspection`, { token, json: body }),

  progress: (token: string, id: string, body: ProgressBody) =>
    request<InspectionFile>(`/api/v1/inspections/${enc(id)}/progress`, { token, json: body }),

  publish: (token: string, roundName: string, batch: number, published: boolean) =>
    request<{ round_name: string; batch: number; published: boolean; cases: number }>(
      '/api/v1/inspections/batches/publish', { token, json: { round_name: roundName, batch, published } }),
}

/** Today in Chongqing as YYYY-MM-DD, whatever the computer's own zone. */
export function todayInShanghai(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit' }).format(new Date())
}
