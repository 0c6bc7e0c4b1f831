/**
 * Integrations present `Authorization: Bearer <token>` instead of a session cookie (issue 13
 * item 6, issue 17 item 5). A token acts for its one office, as a read-only viewer of it,
 * within its scopes only:
 *  - `windows`: open, close and list rating windows, and list the office's counters and
 *    officers (a queue system needs their ids);
 *  - `read`: read-only GETs of reports, the live view, alerts, windows and the registry lists
 *    (BI tools).
 * No CSRF check applies: a browser never sends this header by itself. Every call is logged
 * with the token's id and name (never the token), so what an integration did can be traced.
 */
import type { FastifyRequest } from 'fastify'
import type { IntegrationToken, IntegrationTokens } from '../integration-tokens.ts'
import { HttpError } from './auth.ts'

const integrationOf = new WeakMap<FastifyRequest, IntegrationToken>()

const WINDOWS_PATHS = [/^\/api\/windows(\/|$|\?)/, /^\/api\/(counters|officers)(\?|$)/]
const READ_PATHS = [/^\/api\/reports/, /^\/api\/live/, /^\/api\/alerts(\?|$)/, /^\/api\/windows(\/|$|\?)/, /^\/api\/(offices|counters|officers)(\?|$)/]

/** The integration token a request came with, or null for a dashboard session. */
export function integrationOfRequest(req: FastifyRequest): IntegrationToken | null {
  return integrationOf.get(req) ?? null
}

/** Why a token's scopes do not allow the call, or null when they do. */
function scopeProblem(token: IntegrationToken, method: string, url: string): string | null {
  const path = url.split('?')[0]
  if (token.scopes.includes('windows') && WINDOWS_PATHS.some((re) => re.test(path)) && (method === 'GET' || /^\/api\/windows/.test(path))) return null
  if (token.scopes.includes('read') && method === 'GET' && READ_PATHS.some((re) => re.test(path))) return null
  return `this token's scopes (${token.scopes.join(', ')}) do not allow ${method} ${path}`
}

export function tokenAuth(tokens: IntegrationTokens) {
  return function authenticateToken(req: FastifyRequest): void {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (!m) throw new HttpError(401, 'the Authorization header must be "Bearer <token>"')
    const r = tokens.verify(m[1])
    if (!r.ok) {
      req.log.warn({ token: r.id, method: req.method, url: req.url }, `integration token refused: ${r.reason}`)
      throw new HttpError(401, `token refused: ${r.reason}`)
    }
    const token = r.token
    const problem = scopeProblem(token, req.method, req.url)
    if (problem) {
      req.log.warn({ token: token.id, tokenName: token.name, method: req.method, url: req.url }, `integration call refused: ${problem}`)
      throw new HttpError(403, problem)
    }
    integrationOf.set(req, token)
    // A read-only viewer of the token's office: every listing and report scopes to it.
    req.session = {
      user: { id: 0, username: `token:${token.id}`, role: 'viewer', officeId: token.officeId, officerId: null, mustChangePassword: false, createdAt: token.createdAt },
      expiresAt: Number.MAX_SAFE_INTEGER,
      csrf: '',
    }
    req.log.info({ token: token.id, tokenName: token.name, office: token.officeId, method: req.method, url: req.url }, 'integration call')
  }
}
