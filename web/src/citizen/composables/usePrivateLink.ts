import { shallowRef } from 'vue'

import { api, errorMessage, type CitizenView, type RatingResult, type RatingValue, type ResolutionValue } from '@/shared/api'

export function usePrivateLink(token: string) {
  const view = shallowRef<CitizenView | null>(null)
  const loading = shallowRef(false)
  const error = shallowRef<string | null>(null)
  const rating = shallowRef(false)
  const ratingError = shallowRef<string | null>(null)
  const rated = shallowRef<RatingResult | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      view.value = await api.byToken(token)
    } catch (err) {
      view.value = null
      error.value = errorMessage(err)
    } finally {
      loading.value = false
    }
  }

  async function rate(value: RatingValue, resolution: ResolutionValue, comment: string): Promise<boolean> {
    if (rating.value) return false
    rating.value = true
    ratingError.value = null
    try {
      const text = comment.trim()
      const body = { rating: value, resolution }
      rated.value = await api.rate(token, text ? { ...body, comment: text } : body)
      await load() // the view now shows the rating and no longer offers it
      return true
    } catch (err) {
      ratingError.value = errorMessage(err)
      return false
    } finally {
      rating.value = false
    }
  }

  return { view, loading, error, rating, ratingError, rated, load, rate }
}
