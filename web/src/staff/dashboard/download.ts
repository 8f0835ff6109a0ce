import { fetchFile } from '@/shared/api'

/** Fetches a file the API gives only with the bearer token (the .xlsx reports) and has the browser save it
 * under `filename`; a refusal throws the server's own message. */
export async function downloadFile(path: string, token: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await fetchFile(path, token))
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
