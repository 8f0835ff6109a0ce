// 信访件 (petitions) on the desk: the file of a case registered as a petition, its steps with their
// deadlines and documents (.docx), and the step a supervisor records next (docs/petitions.md).
import { request } from '@/shared/api'

export type PetitionStatus = 'registered' | 'accepted' | 'not_accepted' | 'replied' | 'review_requested'
  | 'reviewed' | 'rereview_requested' | 'closed'

/** What the case page says of its petition (null: not one). */
export interface PetitionBrief {
  number: string
  status: PetitionStatus
  status_label: string
  next_due: string | null
}

export interface PetitionStep {
  id: number
  step: string
  label: string
  actor: string
  at: string
  text: string | null
  days: number | null
  due: string | null
  due_label: string | null
  late: boolean
  sets_due: string | null
  sets_due_label: string | null
  document: { title: string; url: string }
}

/** What may be done now: by the bureau (by `due`) or asked by the petitioner (until `until`). */
export interface PetitionNext {
  action: 'acceptance' | 'extension' | 'reply' | 'review-request' | 'review' | 'rereview-request' | 'rereview'
  label: string
  by: 'bureau' | 'petitioner'
  due: string | null
  until: string | null
}

export interface PetitionFile extends PetitionBrief {
  complaint_id: string
  tracking_code: string
  petitioner: string | null
  department_name: string | null
  received_on: string
  registered_at: string
  registered_by: string
  overdue: boolean
  days_left: number | null
  window_until: string | null
  final: boolean
  note: string | null
  extension_days: number | null
  closed_at: string | null
  steps: PetitionStep[]
  next: PetitionNext[]
}

const enc = encodeURIComponent

export const petitionApi = {
  file: (token: string, id: string, signal?: AbortSignal) =>
    request<PetitionFile>(`/api/v1/cases/${enc(id)}/petition`, { token, signal }),

  /** 登记为信访件 (supervisors): received on `receivedAt` (YYYY-MM-DD; today when empty). */
  register: (token: string, id: string, receivedAt: string, note: string) =>
    request<PetitionFile>(`/api/v1/cases/${enc(id)}/petition`, {
      token, json: { ...(receivedAt ? { received_at: receivedAt } : {}), ...(note ? { petitioner_note: note } : {}) },
    }),

  /** One step (受理, 延期, 处理意见书, a request recorded, an opinion): the body as the step's route takes it. */
  step: (token: string, id: string, action: PetitionNext['action'], body: Record<string, unknown>) =>
    request<PetitionFile>(`/api/v1/cases/${enc(id)}/petition/${action}`, { token, json: body }),
}
