import { ApiError } from '@/shared/api'

/** Fetches a file the API gives only with the bearer token (the .xlsx reports) and has the browser save it
 * under `filename`; a refusal throws the server's own message. */
export async function downloadFile(path: string, token: string, filename: string): Promise<void> {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'same-origin',
    cache: 'no-store',
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
    throw new ApiError(response.status, body?.error?.code ?? `http_${response.status}`,
      body?.error?.message ?? `下载失败（${response.status}）`)
  }
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
