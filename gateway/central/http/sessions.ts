/**
 * Who is asking, for the province's server. People log in on the login page and carry a
 * session cookie (random 32 bytes, httpOnly, SameSite=Strict, kept here only as its sha256,
 * in memory: a restart of the server logs everyone out, which costs a login and nothing
 * else). API clients (scripts, spreadsheets) may instead send HTTP Basic with every request,
 * as the first version of this server asked.
 *
 * The state-changing requests a session can make (logging out) carry the session's CSRF
 * token in `x-csrf-token` (double submit: the readable `cd_csrf` cookie, as on the gateway's
 * dashboard, dom.js) and, when the browser sends Origin, come from this origin.
 *
 *   POST /api/login   { username, password }   rate limited per address
 *   POST /api/logout
 *   GET  /api/session
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { verifyPassword } from '../../http/accounts.ts'
import { UNSAFE, sameOrigin } from '../../http/auth.ts'
import type { ProvinceUser } from '../province-server.ts'

export const SESSION_COOKIE = 'cd_session'
export const CSRF_COOKIE = 'cd_csrf'
const SESSION_MS = 12 * 3600_000
export const LOGIN_LIMIT = { max: 10, timeWindow: 60_000 }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers without a login (health, login page and its files, the public ranking). */
    public?: boolean
    /** A page: without a login, go to the login page instead of a 401. */
    page?: boolean
  }
  interface FastifyRequest {
    provinceUser: ProvinceUser | null
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

interface Session {
  user: ProvinceUser
  csrf: string
  expiresAt: number
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** Sessions, the login routes and the hook every request passes. */
export async function registerSessions(
  app: FastifyInstance,
  users: Map<string, ProvinceUser>,
  timeZone: string,
): Promise<void> {
  const sessions = new Map<string, Session>()
  const sessionOf = (token: string | undefined): Session | null => {
    const s = token ? sessions.get(sha256(token)) : undefined
    if (!s) return null
    if (s.expiresAt <= Date.now()) {
      sessions.delete(sha256(token!))
      return null
    }
    return s
  }

  /** A user by name and password, or null (an unknown name costs the same scrypt time). */
  async function check(name: string, password: string): Promise<ProvinceUser | null> {
    const user = users.get(name)
    const ok = await verifyPassword(password, user?.password ?? DUMMY_HASH)
    return user && ok ? user : null
  }

  app.decorateRequest('provinceUser', null)
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const cfg = req.routeOptions.config ?? {}
    if (UNSAFE.has(req.method) && !sameOrigin(req))
      throw new HttpError(403, 'cross-origin request refused', 'CROSS_ORIGIN')
    const session = sessionOf(req.cookies?.[SESSION_COOKIE])
    if (session) {
      req.provinceUser = session.user
      if (UNSAFE.has(req.method) && !cfg.public && req.headers['x-csrf-token'] !== session.csrf)
        throw new HttpError(403, 'missing or wrong CSRF token', 'CSRF')
      return
    }
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '')
    if (basic) {
      const [name, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':')
      req.provinceUser = await check(name, rest.join(':'))
      if (!req.provinceUser && !cfg.public) {
        // Only to a client that chose Basic: a page's fetch must never make the browser ask.
        void reply.header('www-authenticate', 'Basic realm="chamdiem province", charset="UTF-8"')
        throw new HttpError(401, 'wrong username or password', 'WRONG_CREDENTIALS')
      }
    }
    if (req.provinceUser || cfg.public) return
    if (cfg.page && req.method === 'GET') return reply.redirect('/login')
    throw new HttpError(401, 'login required', 'LOGIN_REQUIRED')
  })

  const cookieOptions = (req: FastifyRequest, expiresAt: number, httpOnly: boolean) => ({
    path: '/',
    httpOnly,
    sameSite: 'strict' as const,
    secure: req.protocol === 'https',
    expires: new Date(expiresAt),
  })
  const sessionInfo = (s: Session) => ({
    user: {
      username: s.user.username,
      role: s.user.role,
      centre: s.user.centre ?? null,
      mustChangePassword: false,
    },
    csrf: s.csrf,
    expiresAt: s.expiresAt,
    timezone: timeZone,
  })

  app.post<{ Body: { username?: unknown; password?: unknown } }>(
    '/api/login',
    { config: { public: true, rateLimit: LOGIN_LIMIT } },
    async (req, reply) => {
      const { username, password } = req.body ?? {}
      if (
        typeof username !== 'string' ||
        typeof password !== 'string' ||
        username.length > 64 ||
        password.length > 256
      ) {
        throw new HttpError(400, 'username and password are required', 'INVALID_REQUEST')
      }
      const user = await check(username, password)
      if (!user) {
        req.log.warn({ username, ip: req.ip }, 'failed login')
        throw new HttpError(401, 'wrong username or password', 'WRONG_CREDENTIALS')
      }
      const now = Date.now()
      for (const [k, s] of sessions) if (s.expiresAt <= now) sessions.delete(k)
      const token = randomBytes(32).toString('base64url')
      const session = {
        user,
        csrf: randomBytes(24).toString('base64url'),
        expiresAt: now + SESSION_MS,
      }
      sessions.set(sha256(token), session)
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, session.expiresAt, true))
      // Readable by the page's script (double submit); worthless without the session cookie.
      reply.setCookie(CSRF_COOKIE, session.csrf, cookieOptions(req, session.expiresAt, false))
      return sessionInfo(session)
    },
  )

  app.post('/api/logout', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE]
    if (token) sessions.delete(sha256(token))
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    reply.clearCookie(CSRF_COOKIE, { path: '/' })
    return reply.code(204).send()
  })

  app.get('/api/session', async (req) => {
    const s = sessionOf(req.cookies[SESSION_COOKIE])
    if (s) return sessionInfo(s)
    // An API client with Basic: the same answer, without a CSRF token (it needs none).
    return sessionInfo({ user: req.provinceUser!, csrf: '', expiresAt: 0 })
  })
}

/** A hash no password matches, checked when the username is unknown (same time as a real one). */
const DUMMY_HASH =
  'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
