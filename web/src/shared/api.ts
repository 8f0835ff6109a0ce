// The typed client of the intake API (the contract in README / OpenAPI at /docs).
// Every call goes to the same origin (the pages are served by the API process itself, or by the
// gateway in front of it): no absolute URL, nothing from the internet.

export type ComplaintStatus =
  | 'received' | 'triage' | 'assigned' | 'accepted' | 'replied' | 'closed' | 'rejected'

export type RatingValue = 'satisfied' | 'basically_satisfied' | 'unsatisfied'
/** 解决情况: asked with every rating (the resolution rate, docs/metrics.md). */
export type ResolutionValue = 'resolved' | 'partly_resolved' | 'unresolved'

export interface Town {
  code: string
  name: string
  kind: string
}

export interface Subcategory {
  code: string
  name: string
}

export interface Category {
  code: string
  name: string
  subcategories: Subcategory[]
}

export interface Reference {
  towns: Town[]
  categories: Category[]
}

export interface ClassifyRequest {
  content: string
  address?: string
}

/** Routing's guess for a text (POST /api/v1/classify). */
export interface Classification {
  category: string | null
  subcategory: string | null
  urgent: boolean
  town: string | null
  town_name: string | null
  department: string
  department_name: string
  confidence: number
  explanation: unknown
}

export interface Reporter {
  name?: string
  phone?: string
  anonymous: boolean
}

export interface ComplaintRequest {
  channel: 'web'
  content: string
  category?: string
  subcategory?: string
  town?: string
  address?: string
  reporter?: Reporter
}

export interface ComplaintAccepted {
  id: string
  tracking_code: string
  status: ComplaintStatus
  received_at: string
  citizen_token?: string
  private_link?: string
}

export interface TimelineEntry {
  at: string
  status: string
  text: string
}

/** What a citizen may see of their complaint (by code + phone digits, or by the private link). */
export interface CitizenView {
  tracking_code: string
  status: ComplaintStatus
  status_label: string
  received_at: string
  channel: string
  content: string
  category: string | null
  subcategory: string | null
  type_label: string | null
  town: string | null
  town_name: string | null
  department: string | null
  department_name: string | null
  reply: string | null
  replied_at: string | null
  reply_round: number
  rating: RatingValue | null
  can_rate: boolean
  reply_due?: string | null
  timeline: TimelineEntry[]
  attachments?: AttachmentInfo[]
  can_attach?: boolean
  /** 办理照片 the department sent with its reply: the URLs of their bytes (no sign-in: random ids). */
  reply_photos?: string[]
}

/** A photo or video the citizen attached (POST /api/v1/r/{token}/attachments). */
export interface AttachmentInfo {
  id: string
  content_type: string
  size: number
}

export interface RatingRequest {
  rating: RatingValue
  resolution: ResolutionValue
  comment?: string
}

export interface RatingResult {
  tracking_code: string
  rating: RatingValue | null
  resolution: ResolutionValue | null
  reply_round: number
  status: ComplaintStatus
}

export interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  role: string
  department: string | null
  town?: string | null
}

/** A grid worker's patrol finding (POST /api/v1/channels/grid): the town is the worker's own. */
export interface PatrolRequest {
  content: string
  category?: string
  subcategory?: string
  address?: string
  lat?: number
  lon?: number
  urgent?: boolean
}

export interface PatrolAccepted {
  id: string
  tracking_code: string
  status: ComplaintStatus
  received_at: string
  town: string
  citizen_token: string | null
}

export interface HotlineRequest {
  call_id: string
  caller_number?: string
  content: string
  town?: string
  address?: string
  category?: string
  subcategory?: string
  urgent?: boolean
}

export interface HotlineAccepted {
  id: string
  tracking_code: string
  status: ComplaintStatus
  received_at: string
}

export interface HistoryItem {
  tracking_code: string
  received_at: string
  status: string
  status_label: string
  type_label: string | null
  address: string | null
  content: string
}

export interface HotlineHistory {
  by_caller: HistoryItem[]
  by_address: HistoryItem[]
}

/** An error as the server said it: `{"error": {"code", "message"}}` with the HTTP status. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/** The message to show a person for any failure: the server's own words when it gave some. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof DOMException && err.name === 'AbortError') return '请求已取消'
  if (err instanceof TypeError) return '网络连接失败，请检查网络后重试'
  return '出现了意外错误，请稍后再试'
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  json?: unknown
  form?: Record<string, string>
  multipart?: FormData
  headers?: Record<string, string>
  token?: string | null
  signal?: AbortSignal
  cache?: RequestCache
}

async function send(path: string, options: RequestOptions): Promise<{ response: Response; data: unknown }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  let body: BodyInit | undefined
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(options.form).toString()
  } else if (options.multipart !== undefined) {
    body = options.multipart // the browser sets multipart/form-data with its boundary
  }
  if (options.token) headers.Authorization = `Bearer ${options.token}`

  const response = await fetch(path, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: options.signal,
    credentials: 'same-origin',
    cache: options.cache,
  })
  const text = await response.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  return { response, data }
}

function failure(response: Response, data: unknown): ApiError {
  const error = (data as { error?: { code?: string; message?: string } } | null)?.error
  return new ApiError(
    response.status,
    error?.code ?? 'http_' + response.status,
    error?.message ?? fallbackMessage(response.status),
  )
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { response, data } = await send(path, options)
  if (!response.ok) throw failure(response, data)
  return data as T
}

/** A GET of a list the server versions (ETag): null when it has not changed since `etag` (304). */
export async function requestIfChanged<T>(
  path: string,
  etag: string | null,
  options: RequestOptions = {},
): Promise<{ data: T; etag: string | null } | null> {
  const headers = etag ? { ...options.headers, 'If-None-Match': etag } : options.headers
  // no-store: the browser's own cache must neither answer for the server nor turn a 304 into a 200
  const { response, data } = await send(path, { ...options, headers, cache: 'no-store' })
  if (response.status === 304) return null
  if (!response.ok) throw failure(response, data)
  return { data: data as T, etag: response.headers.get('ETag') }
}

/** A file the API gives only with the bearer token (a workbook, a document, a photo), as a Blob; a refusal
 * throws the server's own message. */
export async function fetchFile(path: string, token: string, cache: RequestCache = 'no-store'): Promise<Blob> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin', cache })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
    throw new ApiError(response.status, body?.error?.code ?? `http_${response.status}`,
      body?.error?.message ?? `下载失败（${response.status}）`)
  }
  return response.blob()
}

function fallbackMessage(status: number): string {
  if (status === 404) return '没有找到'
  if (status === 429) return '尝试次数过多，请稍后再试'
  if (status >= 500) return '服务暂时不可用，请稍后再试'
  return `请求失败（${status}）`
}

const enc = encodeURIComponent

export const api = {
  reference: (signal?: AbortSignal) => request<Reference>('/api/v1/reference', { signal }),

  classify: (body: ClassifyRequest, signal?: AbortSignal) =>
    request<Classification>('/api/v1/classify', { json: body, signal }),

  submitComplaint: (body: ComplaintRequest, idempotencyKey: string) =>
    request<ComplaintAccepted>('/api/v1/complaints', {
      json: body,
      headers: { 'Idempotency-Key': idempotencyKey },
    }),

  track: (trackingCode: string, phoneLast4: string) => {
    const query = phoneLast4 ? `?phone_last4=${enc(phoneLast4)}` : ''
    return request<CitizenView>(`/api/v1/complaints/${enc(trackingCode)}${query}`)
  },

  byToken: (token: string) => request<CitizenView>(`/api/v1/r/${enc(token)}`),

  rate: (token: string, body: RatingRequest) =>
    request<RatingResult>(`/api/v1/r/${enc(token)}/rating`, { json: body }),

  uploadAttachment: (token: string, file: File, useLocation = false) => {
    const form = new FormData()
    form.append('file', file)
    if (useLocation) form.append('use_location', 'true')
    return request<AttachmentInfo>(`/api/v1/r/${enc(token)}/attachments`, { multipart: form })
  },

  /** Where the citizen's own attachment is shown (an <img> or a link): their token authorises it. */
  attachmentUrl: (id: string, token: string) => `/api/v1/attachments/${enc(id)}?token=${enc(token)}`,

  login: (username: string, password: string) =>
    request<TokenResponse>('/api/v1/auth/token', { form: { username, password } }),

  hotlineHistory: (token: string, caller: string, address: string, signal?: AbortSignal) => {
    const query = new URLSearchParams()
    if (caller) query.set('caller', caller)
    if (address) query.set('address', address)
    return request<HotlineHistory>(`/api/v1/channels/hotline/history?${query.toString()}`, { token, signal })
  },

  patrol: (body: PatrolRequest, token: string, idempotencyKey: string) =>
    request<PatrolAccepted>('/api/v1/channels/grid', {
      json: body,
      token,
      headers: { 'Idempotency-Key': idempotencyKey },
    }),

  myPatrolReports: (token: string) =>
    request<{ reports: HistoryItem[] }>('/api/v1/channels/grid/mine', { token }),

  hotline: (body: HotlineRequest, apiKey: string, token?: string | null) =>
    request<HotlineAccepted>('/api/v1/channels/hotline', {
      json: body,
      headers: { 'X-API-Key': apiKey },
      token,
    }),
}
