// Dates as people in Chongqing read them: zh-CN, Asia/Shanghai, whatever the phone's own zone.
const TIME_ZONE = 'Asia/Shanghai'

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

const dateOnly = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'long',
  day: 'numeric',
})

function parse(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** 2026/11/30 14:05 */
export function formatDateTime(value: string | Date | null | undefined): string {
  const date = parse(value)
  return date ? dateTime.format(date) : '—'
}

/** 2026年11月30日 */
export function formatDate(value: string | Date | null | undefined): string {
  const date = parse(value)
  return date ? dateOnly.format(date) : '—'
}
