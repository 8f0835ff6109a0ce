// What the callback desk calls things, in Chinese.
import type { CallbackReason, CallbackStatus, CallbackStatusFilter, CallOutcome, CallResolution } from './callbacksApi'

export const REASON_LABELS: Record<CallbackReason, string> = {
  sampled: '随机抽中', weekly_minimum: '每周保底', unsatisfied_online: '网上不满意',
}

/** Why a round was chosen, said for the audit (抽样可复现: the draw comes from the seed, complaint and round). */
export const REASON_HINTS: Record<CallbackReason, string> = {
  sampled: '抽样值低于该单位的抽查比例（默认 30%）',
  weekly_minimum: '未被抽中，但为该单位本周第一件回复（每单位每周至少回访一件）',
  unsatisfied_online: '市民在网上评价“不满意”，每件都要回访',
}

export const REASON_TAG: Record<CallbackReason, 'primary' | 'info' | 'danger'> = {
  sampled: 'primary', weekly_minimum: 'info', unsatisfied_online: 'danger',
}

export const STATUS_LABELS: Record<CallbackStatus, string> = {
  pending: '待回访', done: '已完成', unreachable: '联系不上',
}

export const STATUS_TAG: Record<CallbackStatus, 'warning' | 'success' | 'info'> = {
  pending: 'warning', done: 'success', unreachable: 'info',
}

export const STATUS_TABS: { value: CallbackStatusFilter; label: string }[] = [
  { value: 'pending', label: '待回访' },
  { value: 'done', label: '已完成' },
  { value: 'unreachable', label: '联系不上' },
  { value: 'all', label: '全部' },
]

/** The five outcomes of a call, in the order of the keys 1–5. */
export const OUTCOMES: { value: CallOutcome; label: string; key: string; kind: 'good' | 'bad' | 'none' }[] = [
  { value: 'satisfied', label: '满意', key: '1', kind: 'good' },
  { value: 'basically_satisfied', label: '基本满意', key: '2', kind: 'good' },
  { value: 'unsatisfied', label: '不满意', key: '3', kind: 'bad' },
  { value: 'no_answer', label: '无人接听', key: '4', kind: 'none' },
  { value: 'refused', label: '拒绝回访', key: '5', kind: 'none' },
]

/** 解决情况, asked after a rating: keys 7–9 (1–5 are the outcomes). */
export const RESOLUTIONS: { value: CallResolution; label: string; key: string }[] = [
  { value: 'resolved', label: '已解决', key: '7' },
  { value: 'partly_resolved', label: '部分解决', key: '8' },
  { value: 'unresolved', label: '未解决', key: '9' },
]

export const RATED: CallOutcome[] = ['satisfied', 'basically_satisfied', 'unsatisfied']

export function outcomeLabel(value: string | null | undefined): string {
  if (value === 'unreachable') return '联系不上'
  return OUTCOMES.find((o) => o.value === value)?.label ?? '—'
}

/** The draw as the audit reads it: four decimals (the share it is compared with is a percentage). */
export function formatDraw(draw: number | null | undefined): string {
  return draw === null || draw === undefined ? '—' : draw.toFixed(4)
}

const shortDateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
})

/** 12/04 09:30: the deadline in a narrow column (the year is this one's, or the drawer says it). */
export function formatShort(value: string | null | undefined): string {
  if (!value) return '—'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? '—' : shortDateTime.format(date)
}
