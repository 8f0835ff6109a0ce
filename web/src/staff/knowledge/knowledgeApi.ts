// The knowledge base (知识库) and reply templates (答复口径) through intake's API (/api/v1/knowledge).
// Staff search and edit articles, operators close a consultation with one (直接办结), the desk fills a
// template from a case. Who may do what is the server's (docs/knowledge.md); the pages only follow it.
import { request } from '@/shared/api'

export type ArticleStatus = 'draft' | 'internal' | 'public'

export const STATUS_LABELS: Record<ArticleStatus, string> = { draft: '草稿', internal: '内部', public: '公开' }

export interface Article {
  id: string
  title: string
  question: string
  answer: string
  department: string
  department_name: string
  status: ArticleStatus
  status_label: string
  category: string | null
  subcategory: string | null
  type_label: string | null
  legal_basis: string | null
  keywords: string[]
  review_by: string | null
  review_state: 'overdue' | 'due_soon' | null
  version: number
  updated_by: string
  updated_at: string
  editable: boolean
}

export interface ArticleHit extends Article {
  score: number
  terms: string[] // the words of the query found in it: highlighted on the page
  snippet: string
}

export interface ArticleVersion {
  version: number
  changed_by: string
  changed_at: string
  note: string | null
  status: ArticleStatus
  title: string
}

export interface ArticleDetail extends Article {
  answered: number
  versions: ArticleVersion[]
}

export interface ArticleInput {
  title: string
  question: string
  answer: string
  department: string
  status: ArticleStatus
  category: string | null
  subcategory: string | null
  legal_basis: string | null
  keywords: string[]
  review_by: string | null
  version?: number
  note?: string | null
}

export interface Department {
  code: string
  name: string
}

export interface Consultation {
  id: string
  article_id: string
  answered_at: string
  status: 'closed'
}

export interface ReplyTemplate {
  id: string
  name: string
  category: string | null
  subcategory: string | null
  type_label: string | null
  body: string
  legal_basis: string | null
  active: boolean
}

export interface RenderedTemplate {
  text: string
  missing: string[]
  legal_basis: string | null
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export const knowledgeApi = {
  search: (token: string, params: { q?: string; status?: string; department?: string; category?: string;
    limit?: number }, signal?: AbortSignal) =>
    request<{ items: ArticleHit[]; departments: Department[] }>(`/api/v1/knowledge/articles${query(params)}`,
      { token, signal }),

  get: (token: string, id: string) =>
    request<ArticleDetail>(`/api/v1/knowledge/articles/${encodeURIComponent(id)}`, { token }),

  create: (token: string, body: ArticleInput) =>
    request<ArticleDetail>('/api/v1/knowledge/articles', { token, json: body }),

  update: (token: string, id: string, body: ArticleInput) =>
    request<ArticleDetail>(`/api/v1/knowledge/articles/${encodeURIComponent(id)}`, { token, json: body, method: 'PUT' }),

  reviews: (token: string, withinDays = 30) =>
    request<{ items: Article[] }>(`/api/v1/knowledge/reviews${query({ within_days: withinDays })}`, { token }),

  consult: (token: string, question: string, articleId: string) =>
    request<Consultation>('/api/v1/knowledge/consultations', { token, json: { question, article_id: articleId } }),

  templates: (token: string, category: string | null, subcategory: string | null) =>
    request<{ items: ReplyTemplate[] }>(`/api/v1/knowledge/templates${query({ category, subcategory })}`, { token }),

  render: (token: string, templateId: string, complaintId: string) =>
    request<RenderedTemplate>(`/api/v1/knowledge/templates/${encodeURIComponent(templateId)}/render`,
      { token, json: { complaint_id: complaintId } }),
}

/** `text` cut into pieces, those that are one of `terms` marked: highlighting without any HTML. */
export function highlight(text: string, terms: string[]): { text: string; mark: boolean }[] {
  const words = [...terms].filter((t) => t.length > 0).sort((a, b) => b.length - a.length)
  if (!words.length || !text) return [{ text, mark: false }]
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const pattern = new RegExp(`(${escaped.join('|')})`, 'gi')
  return text.split(pattern).filter((part) => part !== '')
    .map((part) => ({ text: part, mark: words.some((w) => w.toLowerCase() === part.toLowerCase()) }))
}
