import { computed, reactive, shallowRef, toRef, watch } from 'vue'

import { api, errorMessage, type ComplaintAccepted, type ComplaintRequest } from '@/shared/api'
import { randomId } from '@/shared/ids'
import { useClassifier } from '@/shared/useClassifier'

export const CONTENT_MIN = 5
export const CONTENT_MAX = 5000
const PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/

export interface ReportForm {
  category: string // '' = 不确定: the classifier decides
  subcategory: string
  town: string // '' = 不确定
  address: string
  content: string
  anonymous: boolean
  name: string
  phone: string
}

function emptyForm(): ReportForm {
  return { category: '', subcategory: '', town: '', address: '', content: '', anonymous: false, name: '', phone: '' }
}

/** The private link as something to copy: absolute, on this site. */
export function absoluteLink(link: string | undefined): string {
  if (!link) return ''
  try {
    return new URL(link, window.location.origin).toString()
  } catch {
    return link
  }
}

export function useReportForm() {
  const form = reactive<ReportForm>(emptyForm())
  const submitting = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const accepted = shallowRef<ComplaintAccepted | null>(null)
  // One key per submission of this form's content: a double tap or a retry after a lost answer sends
  // the same key, so the server makes one complaint; any change to the form starts a new submission.
  let idempotencyKey: string | null = null

  watch(form, () => {
    idempotencyKey = null
  }, { deep: true })

  watch(() => form.category, () => {
    form.subcategory = ''
  })

  const { guess, pending: guessing, reset: resetGuess } = useClassifier(
    toRef(form, 'content'),
    toRef(form, 'address'),
  )

  const contentError = computed(() => {
    const length = form.content.trim().length
    if (length === 0) return '请描述您要反映的问题'
    if (length < CONTENT_MIN) return `请至少写 ${CONTENT_MIN} 个字`
    if (length > CONTENT_MAX) return `不能超过 ${CONTENT_MAX} 字`
    return ''
  })

  const phoneError = computed(() => {
    const phone = form.phone.trim()
    if (!phone) return form.anonymous ? '' : '请填写联系电话，或选择匿名反映'
    return PHONE.test(phone) ? '' : '电话号码格式不正确（手机 11 位，座机如 023-42812345）'
  })

  function payload(): ComplaintRequest {
    const body: ComplaintRequest = { channel: 'web', content: form.content.trim() }
    if (form.category) body.category = form.category
    if (form.category && form.subcategory) body.subcategory = form.subcategory
    if (form.town) body.town = form.town
    if (form.address.trim()) body.address = form.address.trim()
    const phone = form.phone.trim()
    const name = form.name.trim()
    body.reporter = {
      anonymous: form.anonymous,
      ...(phone ? { phone } : {}),
      ...(name && !form.anonymous ? { name } : {}),
    }
    return body
  }

  async function submit(): Promise<boolean> {
    if (submitting.value) return false // the second tap of a double tap
    error.value = null
    if (contentError.value || phoneError.value) {
      error.value = contentError.value || phoneError.value
      return false
    }
    idempotencyKey ??= randomId()
    submitting.value = true
    try {
      accepted.value = await api.submitComplaint(payload(), idempotencyKey)
      return true
    } catch (err) {
      error.value = errorMessage(err)
      return false
    } finally {
      submitting.value = false
    }
  }

  function startOver() {
    Object.assign(form, emptyForm())
    accepted.value = null
    error.value = null
    idempotencyKey = null
    resetGuess()
  }

  return {
    form, submitting, error, accepted, guess, guessing, contentError, phoneError,
    privateLink: computed(() => absoluteLink(accepted.value?.private_link)),
    submit, startOver,
  }
}
