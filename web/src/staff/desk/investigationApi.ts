// 调查处理 (investigations) on the desk: the case's on-site checks, finding, actions, re-checks and the sign-off
// (销号), and the photos taken for them (docs/investigations.md).
import { request } from '@/shared/api'

export type Finding = 'true' | 'partly' | 'false'
export type ActionKind = 'rectify' | 'penalty' | 'transfer'
export type RecheckResult = 'rectified' | 'not_rectified'
export type Stage = 'checking' | 'handling' | 'ready' | 'signed_off'

/** What the case page says of its investigation (null: nothing recorded). */
export interface InvestigationBrief {
  stage: Stage
  stage_label: string
  finding: Finding | null
  finding_label: string | null
}

export interface Reading {
  parameter: string
  value: number
  unit: string
  limit: number | null
  exceeded?: boolean | null
}

export interface EvidencePhoto {
  id: string
  content_type: string
  size: number
  uploaded_by: string
  uploaded_at: string
  url: string
}

export interface Check {
  id: number
  checked_at: string
  by: string
  location: { lat: number; lon: number; accuracy_m: number | null } | null
  address_note: string | null
  readings: Reading[]
  photos: string[]
  note: string | null
  recorded_by: string
  recorded_at: string
}

export interface InvestigationAction {
  id: number
  kind: ActionKind
  kind_label: string
  deadline: string | null
  amount_yuan: string | null
  case_number: string | null
  body: string | null
  note: string | null
  recorded_by: string
  recorded_at: string
}

export interface Recheck {
  id: number
  checked_at: string
  by: string
  result: RecheckResult
  result_label: string
  readings: Reading[]
  photos: string[]
  note: string | null
  recorded_by: string
  recorded_at: string
}

export interface InvestigationFile {
  complaint_id: string
  case_status: string
  recordable: boolean
  started: boolean
  stage: Stage | null
  stage_label: string
  finding: Finding | null
  finding_label: string | null
  finding_note: string | null
  found_at: string | null
  found_by: string | null
  checks: Check[]
  actions: InvestigationAction[]
  rechecks: Recheck[]
  photos: EvidencePhoto[]
  recheck_needed: boolean
  may_sign_off: boolean
  signed_off_at: string | null
  signed_off_by: string | null
  sign_off_note: string | null
  reply_draft: string | null
}

export type Step = 'checks' | 'finding' | 'actions' | 'rechecks' | 'sign-off'

const enc = encodeURIComponent

export const investigationApi = {
  file: (token: string, id: string, signal?: AbortSignal) =>
    request<InvestigationFile>(`/api/v1/cases/${enc(id)}/investigation`, { token, signal }),

  /** One step: the body as the step's route takes it (docs/investigations.md). */
  record: (token: string, id: string, step: Step, body: Record<string, unknown>) =>
    request<InvestigationFile>(`/api/v1/cases/${enc(id)}/investigation/${step}`, { token, json: body }),

  addPhoto: (token: string, id: string, file: File) => {
    const multipart = new FormData()
    multipart.append('file', file)
    return request<EvidencePhoto>(`/api/v1/cases/${enc(id)}/investigation/photos`, { token, multipart })
  },
}

/** The reply dialog's 核查结论 (deskLabels.FINDINGS) for a recorded finding: the reply states it. */
export const REPLY_FINDING = { true: 'substantiated', partly: 'partly', false: 'unsubstantiated' } as const
