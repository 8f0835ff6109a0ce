// Countdowns in working time, as the desk shows them (staff chunk only: the phone pages never need them).
const HOUR = 3600
const WORKING_DAY = 24 * HOUR // a working day counts whole, as the deadlines add them (same clock time)

/**
 * Working time as the desk shows it: "1 个工作日 3 小时", "5 小时 20 分钟", "12 分钟".
 * Only the hours of working days count (the server counts them on China's official calendar).
 */
export function formatWorkingTime(seconds: number, dayWord = '个工作日'): string {
  const total = Math.max(0, Math.floor(Math.abs(seconds)))
  const days = Math.floor(total / WORKING_DAY)
  const hours = Math.floor((total % WORKING_DAY) / HOUR)
  const minutes = Math.floor((total % HOUR) / 60)
  if (days > 0) return hours > 0 ? `${days} ${dayWord} ${hours} 小时` : `${days} ${dayWord}`
  if (hours > 0) return minutes > 0 ? `${hours} 小时 ${minutes} 分钟` : `${hours} 小时`
  return `${Math.max(minutes, total > 0 ? 1 : 0)} 分钟`
}

/** "剩 1 个工作日 3 小时" before the deadline, "超期 2 小时" after it; `calendar`: in calendar time
 * ("剩 2 天 3 小时"), for a deadline the server counts no working time for (协办). */
export function formatCountdown(secondsLeft: number, calendar = false): string {
  const span = formatWorkingTime(secondsLeft, calendar ? '天' : '个工作日')
  return secondsLeft >= 0 ? `剩 ${span}` : `超期 ${span}`
}
