/**
 * Who may do what. Every request passes one onRequest hook:
 *  - a route marked `config: { public: true }` (login, health, login page assets) answers
 *    without a session; every other one needs a valid session cookie or gets 401 (pages
 *    redirect to /login instead, for people arriving with a browser);
 *  - every state change (POST/PUT/PATCH/DELETE) must carry the session's CSRF token in the
 *    `x-csrf-token` header (double submit: the page reads it from /api/session or the
 *    readable `cd_csrf` cookie) and, when the browser sends Origin, come from our own origin.
 *    The session cookie is also SameSite=Strict. A cross-site page can send neither the
 *    custom header (a CORS preflight we never allow) nor guess the token: 403.
 * Role checks live on the routes (`config: { roles: [...] }`), office scope in `scope()`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts, Role, Session, User } from './accounts.ts'

export const SESSION_COOKIE = 'cd_session'
export const CSRF_COOKIE = 'cd_csrf'
export const CSRF_HEADER = 'x-csrf-token'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers without a session (login, health, login page assets). */
    public?: boolean
    /** Roles allowed; absent = any logged-in user. */
    roles?: Role[]
    /** Skip the CSRF check (login only: there is no session yet; JSON body + Origin check instead). */
    noCsrf?: boolean
    /** A page: without a session redirect to /login instead of answering 401. */
    page?: boolean
  }
  interface FastifyRequest {
    session: Session | null
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message)
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Origin header, when present, must name this host (defence in depth besides the token). */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

export function authHook(accounts: Accounts, bearer?: (req: FastifyRequest) => void) {
  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const cfg = req.routeOptions.config ?? {}
    req.session = accounts.session(req.cookies?.[SESSION_COOKIE])
    if (UNSAFE.has(req.method) && !sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused')
    if (cfg.public) return
    // Integrations (queue systems, BI tools) present a token instead (token-auth.ts).
    if (bearer && req.headers.authorization) return bearer(req)
    if (!req.session) {
      if (cfg.page && req.method === 'GET') {
        await reply.redirect('/login')
        return
      }
      throw new HttpError(401, 'login required')
    }
    if (UNSAFE.has(req.method) && !cfg.noCsrf && req.headers[CSRF_HEADER] !== req.session.csrf) {
      throw new HttpError(403, 'missing or wrong CSRF token')
    }
    if (cfg.roles && !cfg.roles.includes(req.session.user.role)) {
      throw new HttpError(403, 'not allowed for your role')
    }
  }
}

export function currentUser(req: FastifyRequest): User {
  if (!req.session) throw new HttpError(401, 'login required')
  return req.session.user
}

/** The office a user is limited to (head, or a viewer given an office); null = every office. */
export function userOffice(user: User): string | null {
  return user.role === 'admin' ? null : user.officeId
}

/**
 * Checks that the user may see (or, for writes, manage) `officeId`. Returns the office filter
 * to apply to a listing when `officeId` is not given: the user's own office or null (all).
 */
export function scope(req: FastifyRequest, officeId?: string | null): string | null {
  const user = currentUser(req)
  const own = userOffice(user)
  if (officeId && own && officeId !== own) throw new HttpError(403, 'that office is not yours')
  return officeId ?? own
}

/** For writes: the office a change touches must be the user's (admins: any). */
export function requireManage(req: FastifyRequest, officeId: string | null | undefined): void {
  const user = currentUser(req)
  if (user.role === 'viewer') throw new HttpError(403, 'viewers cannot change anything')
  if (user.role === 'head' && officeId !== user.officeId) throw new HttpError(403, 'that office is not yours')
}
