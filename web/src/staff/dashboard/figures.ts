// How the dashboard names and judges the three targets: one place for the labels, the traffic lights and
// the number formats, so the cards, the tables, the chart and the wall say the same thing.
import type { Count, FigureKey, Outcome } from './dashboardApi'

export interface FigureLabels {
  name: string // 交办率
  short: string // 交办
  met: string // what the numerator counts
  all: string // what the denominator counts
  missed: string // what missed it
}

export const FIGURE_LABELS: Record<FigureKey, FigureLabels> = {
  assignment_rate: { name: '交办率', short: '交办', met: '按时交办', all: '应交办', missed: '超时交办' },
  on_time_reply_rate: { name: '按时回复率', short: '回复', met: '按时回复', all: '应回复', missed: '超时回复' },
  satisfaction_rate: { name: '回访满意度', short: '满意度', met: '满意', all: '已评价', missed: '不满意' },
}

/** 解决率, shown beside the targets in the cards, the tables, the chart and the wall: no target, no light. */
export const RESOLUTION: FigureLabels = {
  name: '解决率', short: '解决', met: '已解决', all: '已回答解决情况', missed: '部分解决或未解决',
}

/** A figure a table, the chart or the wall shows: one of the three targets or 解决率. */
export type ShownFigure = FigureKey | 'resolution_rate'

export function labelsOf(figure: ShownFigure): FigureLabels {
  return figure === 'resolution_rate' ? RESOLUTION : FIGURE_LABELS[figure]
}

export const OUTCOME_LABELS: Record<Outcome, string> = { met: '达标', missed: '未达标', all: '全部' }

export type Light = 'green' | 'amber' | 'red' | 'none'

/** Within this much below its target a figure is "close" (amber): two percentage points. */
export const CLOSE_MARGIN = 0.02

/** Green: the target is met; amber: short of it by less than two points; red: missed; none: nothing was due. */
export function light(count: Pick<Count, 'rate' | 'target'> | null | undefined): Light {
  if (!count || count.rate === null) return 'none'
  if (count.rate >= count.target - 1e-9) return 'green'
  if (count.rate >= count.target - CLOSE_MARGIN - 1e-9) return 'amber'
  return 'red'
}

export const LIGHT_LABELS: Record<Light, string> = { green: '达标', amber: '接近目标', red: '未达标', none: '暂无数据' }

export const LIGHT_COLORS: Record<Light, string> = {
  green: '#2f7d32', amber: '#b26a00', red: '#c4281c', none: '#8a9099',
}

/** 0.9876 → "98.8%"; 1 → "100%"; null → "—". */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  const value = Math.round(rate * 1000) / 10
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}%`
}

export function targetText(figure: FigureKey, target: number): string {
  return `${FIGURE_LABELS[figure].name}目标 ${target >= 1 ? '100%' : '≥ ' + percent(target)}`
}

/** "超期 2天3小时" / "剩 5小时20分" from seconds left (negative: overdue). */
export function timeLeft(seconds: number): string {
  const overdue = seconds < 0
  let rest = Math.abs(seconds)
  const days = Math.floor(rest / 86400)
  rest -= days * 86400
  const hours = Math.floor(rest / 3600)
  const minutes = Math.floor((rest - hours * 3600) / 60)
  const text = days ? `${days}天${hours}小时` : hours ? `${hours}小时${minutes}分` : `${minutes}分钟`
  return overdue ? `超期 ${text}` : `剩 ${text}`
}

/** Today in Chongqing as YYYY-MM-DD, whatever the computer's own zone. */
export function todayInShanghai(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(now)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** This month to date: [first of the month, today]. */
export function thisMonth(now: Date = new Date()): [string, string] {
  const today = todayInShanghai(now)
  return [`${today.slice(0, 8)}01`, today]
}

export function periodText(from: string, to: string): string {
  return from === to ? from : `${from} 至 ${to}`
}

/** A case's status as routing names it (the desk's words). */
export const CASE_STATUS_LABELS: Record<string, string> = {
  triage: '待分拨', assigned: '待签收', accepted: '办理中', replied: '已回复',
  rejected: '不予受理', forwarded: '已转办', merged: '已并单',
}

/** A score out of 100 with one decimal: 95.24 → "95.2"; null → "—". */
export function scoreText(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : (Math.round(score * 10) / 10).toFixed(1)
}

/** What an assessment indicator's numerator counts (the cases a click on it lists). */
export const INDICATOR_COUNTED: Record<string, string> = {
  signing: '按时签收', reply: '按时回复', returns: '退单', reopenings: '重办', satisfaction: '满意',
}
