/**
 * The webhook: one POST of JSON per alert event. Any answer but 2xx, a network error or no
 * answer within the timeout is a failure the caller retries (notifier.ts).
 */
import type { Static } from '@sinclair/typebox'
import type { WebhookSchema } from './notify-config.ts'

export class WebhookError extends Error {}

export async function postWebhook(hook: Static<typeof WebhookSchema>, body: unknown): Promise<void> {
  let res: Response
  try {
    res = await fetch(hook.url, {
      method: 'POST',
      headers: { ...hook.headers, 'content-type': 'application/json; charset=utf-8', 'user-agent': 'chamdiem-gateway' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(hook.timeoutMs),
      redirect: 'error',
    })
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    // The URL is not in the message: it may carry a token.
    throw new WebhookError(e.name === 'TimeoutError' ? `no answer within ${hook.timeoutMs} ms` : (e.cause?.code ?? e.message))
  }
  // The body is read and dropped so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined)
  if (!res.ok) throw new WebhookError(`HTTP ${res.status}`)
}
