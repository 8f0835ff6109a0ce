import type { Category, RatingValue, ResolutionValue, Town } from './api'

export const RATING_OPTIONS: { value: RatingValue; label: string }[] = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
]

export const RESOLUTION_OPTIONS: { value: ResolutionValue; label: string }[] = [
  { value: 'resolved', label: '已解决' },
  { value: 'partly_resolved', label: '部分解决' },
  { value: 'unresolved', label: '未解决' },
]

export function ratingLabel(value: string | null | undefined): string {
  return RATING_OPTIONS.find((o) => o.value === value)?.label ?? '—'
}

/** "噪声 / 建筑施工噪声" from codes, with the reference data when it is there. */
export function typeName(
  categories: Category[],
  category: string | null | undefined,
  subcategory?: string | null,
): string {
  if (!category) return '待分类'
  const cat = categories.find((c) => c.code === category)
  const sub = cat?.subcategories.find((s) => s.code === subcategory)
  const name = cat?.name ?? category
  if (sub) return `${name} / ${sub.name}`
  return subcategory ? `${name} / ${subcategory}` : name
}

export function townName(towns: Town[], code: string | null | undefined): string {
  if (!code) return ''
  return towns.find((t) => t.code === code)?.name ?? code
}

/** 138****1234-like masking is the server's job; this only keeps digits for the phone field. */
export function digitsOnly(value: string): string {
  return value.replace(/[^\d-]/g, '')
}
