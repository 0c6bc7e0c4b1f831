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
 *  - a user who must change their password (the first admin's printed one, or one an admin
 *    reset) gets only what changing it needs (`config: { pending: true }`: who am I, change
 *    password, log out): pages redirect to /password, the API answers 403
 *    PASSWORD_CHANGE_REQUIRED. Until then the printed password is as good as on paper.
 * Role checks live on the routes (`config: { roles: [...] }`), office scope in `scope()`.
 * An officer account is refused every API but those marked `config: { officer: true }` (their
 * own results, their session): deny by default, so no report, live or admin route added later
 * shows an officer their colleagues' figures.
 *
 * Every refusal carries a stable code (error-codes.ts) that the page translates.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts, Role, Session, User } from './accounts.ts'
import type { Actor } from '../audit.ts'
import type { ErrorCode, ErrorParams } from './error-codes.ts'

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
    /** Open to officer accounts too (every other non-public API refuses them). */
    officer?: boolean
    /** Open to a user who must still change their password (session, password, logout). */
    pending?: boolean
  }
  interface FastifyRequest {
    session: Session | null
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Stable code the page translates; defaults to its status's (error-codes.ts). */
    readonly code?: ErrorCode,
    readonly params?: ErrorParams,
  ) {
    super(message)
  }
}

export const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Origin header, when present, must name this host (defence in depth besides the token). */
export function sameOrigin(req: FastifyRequest): boolean {
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
    if (UNSAFE.has(req.method) && !sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused', 'CROSS_ORIGIN')
    if (cfg.public) return
    // Integrations (queue systems, BI tools) present a token instead (token-auth.ts).
    if (bearer && req.headers.authorization) return bearer(req)
    if (!req.session) {
      if (cfg.page && req.method === 'GET') {
        await reply.redirect('/login')
        return
      }
      throw new HttpError(401, 'login required', 'LOGIN_REQUIRED')
    }
    if (UNSAFE.has(req.method) && !cfg.noCsrf && req.headers[CSRF_HEADER] !== req.session.csrf) {
      throw new HttpError(403, 'missing or wrong CSRF token', 'CSRF')
    }
    // The dashboard's own files are code, not data: the password page loads its modules.
    if (req.session.user.mustChangePassword && !cfg.pending && !req.routeOptions.url?.startsWith('/static/')) {
      if (cfg.page && req.method === 'GET') {
        await reply.redirect('/password')
        return
      }
      throw new HttpError(403, 'change your password first', 'PASSWORD_CHANGE_REQUIRED')
    }
    if (req.session.user.role === 'officer' && !cfg.officer && !cfg.page && !req.url.startsWith('/static/')) {
      throw new HttpError(403, 'not allowed for your role')
    }
    if (cfg.roles && !cfg.roles.includes(req.session.user.role)) {
      throw new HttpError(403, 'not allowed for your role', 'ROLE_NOT_ALLOWED')
    }
  }
}

export function currentUser(req: FastifyRequest): User {
  if (!req.session) throw new HttpError(401, 'login required', 'LOGIN_REQUIRED')
  return req.session.user
}

/** Who makes a change through this request, for the audit trail: the user, from their address. */
export function actorOf(req: FastifyRequest): Actor {
  return { actor: currentUser(req).username, source: req.ip }
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
  if (officeId && own && officeId !== own) throw new HttpError(403, 'that office is not yours', 'OTHER_OFFICE')
  return officeId ?? own
}

/** For writes: the office a change touches must be the user's (admins: any). */
export function requireManage(req: FastifyRequest, officeId: string | null | undefined): void {
  const user = currentUser(req)
  if (user.role === 'viewer' || user.role === 'officer') throw new HttpError(403, 'viewers cannot change anything', 'VIEWER_READ_ONLY')
  if (user.role === 'head' && officeId !== user.officeId) throw new HttpError(403, 'that office is not yours', 'OTHER_OFFICE')
}
