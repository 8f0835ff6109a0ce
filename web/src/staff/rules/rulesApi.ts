// The rule book (分拨规则) through routing's API: supervisors read the rules, their audit and dry runs;
// administrators add, change and switch rules off (every change audited with who, when and why).
import { request } from '@/shared/api'

export type Area = 'streets' | 'towns'

export interface Rule {
  id: number
  category: string
  subcategory: string | null
  area: Area | null
  town: string | null
  department: string
  active: boolean
  note: string | null
  label: string
  specificity: number
}

export interface RuleList {
  revision: number
  rules: Rule[]
}

export interface RuleChange {
  revision: number
  rule_id: number
  action: 'created' | 'changed' | 'deactivated' | 'reactivated'
  before: Partial<Rule> | null
  after: Partial<Rule>
  by: string
  at: string
  reason: string | null
}

/** A rule as an administrator asks for it (department: a code, `town` for 属地, `triage` for 人工分拨). */
export interface RuleSpec {
  category: string
  subcategory?: string | null
  area?: Area | null
  town?: string | null
  department: string
  note?: string | null
}

export interface DryRunResult {
  days: number
  since: string
  cases: number
  moved: number
  flows: { from: string | null; to: string | null; cases: number }[]
  moved_cases: { complaint_id: string; tracking_code: string; before: string | null; after: string | null;
    rule_before: string | null; rule_after: string | null }[]
  proposed_rules: Rule[]
}

export const rulesApi = {
  list: (token: string) => request<RuleList>('/api/v1/rules?inactive=true', { token }),

  history: (token: string, limit = 200) =>
    request<{ changes: RuleChange[] }>(`/api/v1/rules/history?limit=${limit}`, { token }),

  add: (token: string, spec: RuleSpec, reason: string) =>
    request<{ revision: number; rule: Rule }>('/api/v1/rules', { token, json: { ...spec, ...(reason ? { reason } : {}) } }),

  change: (token: string, id: number, change: { department?: string; active?: boolean; note?: string },
    reason: string) =>
    request<{ revision: number; rule: Rule }>(`/api/v1/rules/${id}`, {
      token, method: 'PATCH', json: { ...change, ...(reason ? { reason } : {}) },
    }),

  dryRun: (token: string, add: RuleSpec[], switchOff: number[], days: number) =>
    request<DryRunResult>('/api/v1/rules/dry-run', { token, json: { add, switch_off: switchOff, days } }),
}
