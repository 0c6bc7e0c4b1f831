/**
 * Counter-side apps over MQTT (issue 13): a program on the counter PC opens rating windows
 * with its own credentials, an integration token of scope `windows` (username `app:{id}`,
 * password the token, client id the username). It may publish only to its own request topic
 * and subscribe only to its own result topic (protocol/apps.ts). Every request is answered on
 * the result topic; a malformed one too, with the reason, and it is acknowledged like a
 * box's malformed press (closing the connection would make the app resend it forever).
 */
import { appResultTopic, appWindowTopic, checkAppWindowRequest, type AppWindowResult } from '../protocol/index.ts'
import type { IntegrationTokens } from './integration-tokens.ts'
import type { Logger } from './log.ts'
import type { Windows } from './windows.ts'

export interface WindowAppsDeps {
  tokens: IntegrationTokens
  windows: Windows
  publish: (topic: string, payload: Buffer, opts: { retain: boolean }) => Promise<void>
  log: Logger
}

export class WindowApps {
  constructor(private readonly deps: WindowAppsDeps) {}

  /** Why the app may not connect, or null when it may. */
  refusal(tokenId: string, password: string): string | null {
    const r = this.deps.tokens.verify(password, tokenId)
    if (!r.ok) return r.reason
    if (!r.token.scopes.includes('windows')) return 'the token has no windows scope'
    return null
  }

  mayPublish(tokenId: string, topic: string): boolean {
    return topic === appWindowTopic(tokenId)
  }

  maySubscribe(tokenId: string, topic: string): boolean {
    return topic === appResultTopic(tokenId)
  }

  /** One request on the app's own topic: opens the window and answers. Never throws. */
  request(tokenId: string, payload: Buffer): void {
    let requestId: string | null = null
    const answer = (result: Omit<AppWindowResult, 'requestId'>) => {
      const bytes = Buffer.from(JSON.stringify({ requestId, ...result }))
      this.deps.publish(appResultTopic(tokenId), bytes, { retain: false }).catch((err: Error) => this.deps.log.warn({ err, token: tokenId }, 'answering a counter app failed'))
    }
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      return answer({ ok: false, error: 'payload is not JSON' })
    }
    if (body && typeof body === 'object' && typeof (body as { requestId?: unknown }).requestId === 'string') requestId = ((body as { requestId: string }).requestId).slice(0, 64)
    if (!checkAppWindowRequest.Check(body)) {
      const first = checkAppWindowRequest.Errors(body).First()
      const error = first ? `${first.path || '/'}: ${first.message.toLowerCase()}` : 'payload does not match the schema'
      this.deps.log.warn({ token: tokenId }, `counter app request refused: ${error}`)
      return answer({ ok: false, error })
    }
    const token = this.deps.tokens.get(tokenId)
    if (!token || token.revokedAt !== null) return answer({ ok: false, error: 'token revoked' })
    try {
      const w = this.deps.windows.openWindow({ counterId: body.counter, reference: body.reference ?? null, officerId: body.officer ?? null, timeoutMs: body.timeoutMs, by: `app:${tokenId}`, officeScope: token.officeId })
      const officer = w.officerId ? this.deps.windows.officerName(w.officerId) : null
      answer({ ok: true, window: { id: w.id, counter: w.counterId, reference: w.reference, officer, expiresAt: w.expiresAt } })
    } catch (err) {
      this.deps.log.warn({ token: tokenId, counter: body.counter }, `counter app request refused: ${(err as Error).message}`)
      answer({ ok: false, error: (err as Error).message })
    }
  }
}
