import { computed, shallowRef } from 'vue'

import { api, errorMessage, type Reference } from './api'

// Towns and categories change rarely: one request per page load, shared by every form.
const reference = shallowRef<Reference | null>(null)
const error = shallowRef<string | null>(null)
let pending: Promise<void> | null = null

function load(): Promise<void> {
  if (!pending) {
    error.value = null
    pending = api
      .reference()
      .then((data) => {
        reference.value = data
      })
      .catch((err: unknown) => {
        error.value = errorMessage(err)
        pending = null // a later form may try again
      })
  }
  return pending
}

export function useReference() {
  void load()
  return {
    reference,
    towns: computed(() => reference.value?.towns ?? []),
    categories: computed(() => reference.value?.categories ?? []),
    error,
    reload: load,
  }
}
