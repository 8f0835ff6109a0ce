// What the desk calls things, in Chinese: statuses, deadlines, timeline actions, the reply's parts,
// how a closed case ended, why a case looks like a duplicate, and 协办 requests.
import { formatDateTime } from '@/shared/format'
import type {
  AssistRecord, AssistStatus, CaseDetail, CaseRow, Deadline, DeadlineKind, DuplicateCandidate, HistoryEntry,
} from './deskApi'

export const STATUS_LABELS: Record<string, string> = {
  triage: '待分拨', assigned: '待签收', accepted: '办理中', replied: '已回复',
  rejected: '不予受理', forwarded: '已转办', merged: '已并单',
}

export const STATUS_TAG: Record<string, 'info' | 'warning' | 'primary' | 'success' | 'danger'> = {
  triage: 'danger', assigned: 'warning', accepted: 'primary', replied: 'success',
  rejected: 'info', forwarded: 'info', merged: 'info',
}

/** Cases that ended without a reply of ours (不予受理, 转办, 并单). */
export const CLOSED_STATUSES: readonly string[] = ['rejected', 'forwarded', 'merged']

export const DEADLINE_LABELS: Record<DeadlineKind, string> = {
  assign: '分拨', accept: '签收', reply: '回复', assist: '协办',
}

/** 协办 requests: waiting for the assisting department, answered, or closed by the lead's own reply. */
export const ASSIST_STATUS_LABELS: Record<AssistStatus, string> = { requested: '待回复', replied: '已回复', closed: '已关闭' }
export const ASSIST_STATUS_TAG: Record<AssistStatus, 'warning' | 'success' | 'info'> = {
  requested: 'warning', replied: 'success', closed: 'info',
}

/** The assisting department's deadline as a countdown (in calendar time: the server gives no working time
 * for it); yellow once 75% of its time is used, as the case deadlines; none once answered or closed. */
export function assistDeadline(assist: AssistRecord | null | undefined): Deadline | null {
  if (!assist || assist.status !== 'requested' || assist.seconds_left === null) return null
  const due = Date.parse(assist.due)
  const asked = Date.parse(assist.requested_at)
  const now = due - assist.seconds_left * 1000
  const state = assist.seconds_left < 0 ? 'overdue' : now >= asked + (due - asked) * 0.75 ? 'soon' : 'normal'
  const working = assist.working_seconds_left
  return working === undefined || working === null
    ? { kind: 'assist', due: assist.due, seconds_left: assist.seconds_left,
      working_seconds_left: assist.seconds_left, state, calendar: true }
    : { kind: 'assist', due: assist.due, seconds_left: assist.seconds_left, working_seconds_left: working, state }
}

export const CHANNEL_LABELS: Record<string, string> = {
  web: '网站', app: '移动应用', hotline: '热线', wechat: '微信公众号', open311: 'Open311', grid: '网格巡查',
  upstream: '上级平台转办',
}

const ACTION_LABELS: Record<string, string> = {
  triaged: '转人工分拨', assigned: '交办', accepted: '签收', replied: '回复', returned: '退单',
  extension_requested: '申请延期', extension_decided: '延期审批', reopened: '重办',
  rejected: '不予受理', forwarded: '转办', merged: '并单', merged_in: '重复件并入', transferred: '改派',
  assist_requested: '请求协办', assist_replied: '协办回复', assist_closed: '协办关闭', leader_assigned: '领导包案',
  firm_linked: '关联被举报企业', firm_unlinked: '取消关联企业', contacted: '已联系群众',
  progress_noted: '阶段性进展',
}
const CONTACT_METHODS: Record<string, string> = { phone: '电话', sms: '短信', onsite: '现场' }

/** The Chinese half of a server's "中文 / English" reason. */
function chinese(value: unknown): string {
  return text(value).split(' / ')[0].trim()
}

/** How a rule that assigned a case is named in the timeline. */
function ruleText(rule: string): string {
  if (rule === 'manual') return '人工分拨'
  if (rule === 'transfer') return '督办改派'
  return `规则 ${rule}`
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value)
}

export function actorLabel(actor: string): string {
  return actor === 'system' ? '系统' : actor
}

/** One line of the timeline: what happened, in words, with what the action carried. */
export function historyText(entry: HistoryEntry, departments: Record<string, string>): { title: string; detail: string } {
  const d = entry.detail
  const name = (code: unknown) => (typeof code === 'string' ? departments[code] ?? code : '')
  const dept = name(d.department)
  let title = ACTION_LABELS[entry.action] ?? entry.action
  let detail = ''
  switch (entry.action) {
    case 'assigned':
      title = dept ? `交办至 ${dept}` : title
      detail = typeof d.rule === 'string' ? ruleText(d.rule) : ''
      if (typeof d.reply_due === 'string') detail += `${detail ? '；' : ''}回复期限 ${formatDateTime(d.reply_due)}`
      break
    case 'accepted':
      detail = d.implied_by === 'reply' ? '随回复一并签收' : ''
      break
    case 'progress_noted':
      detail = String(d.note ?? '')
      break
    case 'contacted':
      detail = `方式：${CONTACT_METHODS[String(d.method)] ?? String(d.method ?? '')}`
        + (typeof d.contacted_at === 'string' ? `；联系时间 ${formatDateTime(d.contacted_at)}` : '')
      break
    case 'returned':
      detail = `理由：${String(d.reason ?? '')}`
      break
    case 'triaged':
      detail = String(d.reason ?? '')
      break
    case 'replied':
      detail = d.late ? '超期回复' : '按时回复'
      break
    case 'extension_requested':
      detail = `${String(d.working_days)} 个工作日；理由：${String(d.reason ?? '')}`
      break
    case 'extension_decided':
      title = d.approved ? '批准延期' : '驳回延期'
      detail = d.approved && typeof d.reply_due === 'string' ? `回复期限延至 ${formatDateTime(d.reply_due)}` : ''
      break
    case 'reopened':
      detail = text(d.reason)
      break
    case 'rejected':
      detail = `理由（告知投诉人）：${text(d.reason)}`
      break
    case 'forwarded':
      title = d.body ? `转办至 ${text(d.body)}` : title
      detail = d.note ? `说明：${text(d.note)}` : ''
      break
    case 'merged':
      title = d.master_tracking_code ? `并单：并入 ${text(d.master_tracking_code)}` : title
      detail = d.reason ? `理由：${text(d.reason)}` : ''
      break
    case 'merged_in':
      title = d.duplicate_tracking_code ? `并单：${text(d.duplicate_tracking_code)} 并入本案` : title
      break
    case 'transferred':
      title = dept ? `改派至 ${dept}` : title
      detail = [d.previous ? `原承办单位 ${name(d.previous)}` : '', d.reason ? `理由：${text(d.reason)}` : '']
        .filter(Boolean).join('；')
      break
    case 'assist_requested':
      title = dept ? `请求 ${dept} 协办` : title
      detail = [typeof d.due === 'string' ? `协办期限 ${formatDateTime(d.due)}` : '', d.note ? `说明：${text(d.note)}` : '']
        .filter(Boolean).join('；')
      break
    case 'assist_replied':
      title = dept ? `${dept} 回复协办意见` : title
      detail = d.late ? '超期回复' : '按时回复'
      break
    case 'assist_closed':
      title = dept ? `${dept} 协办关闭` : title
      detail = d.reason ? `原因：${chinese(d.reason)}` : ''
      break
    case 'firm_linked':
      title = d.firm_name ? `关联被举报企业：${text(d.firm_name)}` : title
      detail = d.credit_code ? `统一社会信用代码 ${text(d.credit_code)}` : ''
      break
    case 'leader_assigned':
      title = d.leader ? `领导包案：${text(d.leader)}` : title
      detail = [d.plan ? `包案方案：${text(d.plan)}` : '', d.previous ? `原包案领导 ${text(d.previous)}` : '']
        .filter(Boolean).join('；')
      break
  }
  return { title, detail }
}

/** The classifier's reasons, as a dispatcher reads them (keys it does not know are shown as they are). */
export function explanationItems(detail: CaseDetail): { label: string; value: string }[] {
  const e = detail.explanation ?? {}
  const items: { label: string; value: string }[] = []
  const known: Record<string, string> = {
    classifier: '分类依据', routing: '分拨依据', rule: '命中规则', urgency: '紧急判断',
  }
  if (typeof e.summary === 'string' && e.summary) items.push({ label: '结论', value: e.summary })
  if (detail.confidence !== null && detail.confidence !== undefined) {
    items.push({ label: '置信度', value: `${Math.round(detail.confidence * 100)}%` })
  }
  if (e.chosen_by_citizen) items.push({ label: '问题类型', value: '投诉人自选' })
  const words = Array.isArray(e.words) ? e.words.map(String) : []
  if (words.length) items.push({ label: '关键词', value: words.join('、') })
  for (const [key, label] of Object.entries(known)) {
    const value = e[key]
    // the rule is usually named in the routing reason already
    if (key === 'rule' && typeof e.routing === 'string' && typeof value === 'string' && e.routing.includes(value)) continue
    if (typeof value === 'string' && value) items.push({ label, value })
  }
  const urgentWords = Array.isArray(e.urgent_words) ? e.urgent_words.map(String) : []
  if (urgentWords.length) items.push({ label: '紧急词', value: urgentWords.join('、') })
  if (typeof e.environmental === 'boolean') {
    const p = typeof e.environmental_probability === 'number' ? `（概率 ${Math.round(e.environmental_probability * 100)}%）` : ''
    items.push({ label: '环境问题', value: `${e.environmental ? '是' : '否，建议转交相关部门'}${p}` })
  }
  if (typeof e.suggested_body_name === 'string' && e.suggested_body_name) {
    items.push({ label: '建议转办', value: e.suggested_body_name })
  }
  if (e.town_source) items.push({ label: '镇街来源', value: e.town_source === 'text' ? '从诉求内容识别' : '投诉人填写' })
  if (typeof e.town_reason === 'string' && e.town_reason) items.push({ label: '镇街依据', value: e.town_reason })
  const shown = new Set(['summary', 'words', 'urgent_words', 'chosen_by_citizen', 'town_source', 'environmental',
    'environmental_probability', 'suggested_body', 'suggested_body_name', 'town_reason', ...Object.keys(known)])
  for (const [key, value] of Object.entries(e)) {
    if (shown.has(key) || value === null || value === '' || typeof value === 'object') continue
    items.push({ label: key, value: String(value) })
  }
  return items
}

/** 转办: the receiving body the classifier suggests, as the input is filled ('' when it has none or leaves it
 * to a person): "区人力社保局（人社）" → "区人力社保局". */
export function suggestedBody(detail: CaseDetail | null): { full: string; body: string } {
  const e = detail?.explanation ?? {}
  const full = typeof e.suggested_body_name === 'string' ? e.suggested_body_name.trim() : ''
  if (!full || e.suggested_body === 'other') return { full, body: '' }
  const body = full.replace(/[（(][^（）()]*[）)]\s*$/, '').trim()
  return { full, body: body.length >= 2 ? body : full }
}

/** 疑似重复: the suggested master of a case, as the classifier found it ("explanation.duplicate"). */
export function duplicateSuggestion(detail: CaseDetail | null): DuplicateCandidate | null {
  if (!detail?.duplicate_of) return null
  const found = detail.explanation?.duplicate as DuplicateCandidate | undefined
  return found && typeof found === 'object' && found.complaint_id === detail.duplicate_of ? found : null
}

/** A similarity score (0–1) as a person reads it. */
export function percent(score: number | null | undefined): string {
  return typeof score === 'number' ? `${Math.round(score * 100)}%` : '—'
}

/** The master's tracking code of a merged case: from its 并单 record (the answer names it). */
export function mergedIntoCode(detail: CaseDetail): string {
  const entry = [...detail.history].reverse().find((h) => h.action === 'merged')
  const code = entry?.detail.master_tracking_code
  return typeof code === 'string' && code ? code : detail.merged_into ?? ''
}

/** How a closed case ended, in words: 已不予受理 (reason), 已转办至 X (note), 已并入 <master>; null while open. */
export function outcome(detail: CaseDetail): { title: string; detail: string } | null {
  switch (detail.status) {
    case 'rejected':
      return { title: '已不予受理', detail: `理由（投诉人可见）：${detail.closing_reason ?? '—'}` }
    case 'forwarded':
      return { title: `已转办至 ${detail.forwarded_to ?? '—'}`, detail: detail.closing_reason ? `说明：${detail.closing_reason}` : '' }
    case 'merged':
      return { title: `已并入 ${mergedIntoCode(detail)}`,
        detail: `与主案件合并办理，投诉人可查看主案件的办理进展${detail.closing_reason ? `；理由：${detail.closing_reason}` : ''}` }
    default:
      return null
  }
}

/** Why 退单 is not possible now, or '' when it is. */
export function returnBlockedReason(c: CaseRow): string {
  if (c.can_return) return ''
  if (c.status === 'replied') return '案件已回复，不能退单'
  if (c.status === 'triage') return '案件在人工分拨中'
  if (CLOSED_STATUSES.includes(c.status)) return '案件已办结'
  return c.return_due ? `退单期限已过（截至 ${formatDateTime(c.return_due)}），请联系督办人员转办` : '当前不能退单'
}

/** Why 延期 cannot be asked now, or '' when it can. */
export function extensionBlockedReason(c: CaseDetail): string {
  if (c.can_request_extension) return ''
  if (c.status === 'replied') return '案件已回复，无需延期'
  if (c.status === 'triage') return '案件在人工分拨中'
  if (c.pending_extension) return '已有延期申请等待督办审批'
  if (c.extension_days_left <= 0) return '延期天数已用完'
  return c.reply_due ? `回复期限（${formatDateTime(c.reply_due)}）已过，不能再申请延期` : '当前不能申请延期'
}

export const FINDINGS = [
  { value: 'substantiated', label: '属实' },
  { value: 'partly', label: '部分属实' },
  { value: 'unsubstantiated', label: '不属实' },
] as const

export type Finding = (typeof FINDINGS)[number]['value']

/** The reply the citizen reads, from the three parts of the form (the API takes one text). */
export function composeReply(findings: string, actionTaken: string, finding: Finding): string {
  const verdict = FINDINGS.find((f) => f.value === finding)?.label ?? ''
  return `【核查结论】${verdict}\n【调查情况】${findings.trim()}\n【处理措施】${actionTaken.trim()}`
}
