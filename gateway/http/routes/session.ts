/**
 * Login, logout, "who am I" and changing one's own password (also the page for it, /password,
 * where a user who must change a printed or reset password is sent). Login is rate limited per
 * client address (password guessing) and takes JSON only: a cross-site HTML form cannot send
 * application/json without a CORS preflight, which this server never grants, so there is no
 * login CSRF.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../app.ts'
import { CSRF_COOKIE, HttpError, SESSION_COOKIE, actorOf, currentUser } from '../auth.ts'
import { csrfTokenFor } from '../accounts.ts'

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('head'), Type.Literal('viewer'), Type.Literal('officer')]),
  officeId: Type.Union([Type.String(), Type.Null()]),
  officerId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  mustChangePassword: Type.Boolean(),
})

const SessionInfo = Type.Object({ user: UserSchema, csrf: Type.String(), expiresAt: Type.Integer(), timezone: Type.String() })

/** Login attempts per address per window (config in tests can lower it). */
export const LOGIN_LIMIT = { max: 10, timeWindow: 60_000 }

function cookieOptions(req: FastifyRequest, expiresAt: number, httpOnly: boolean) {
  return {
    path: '/',
    httpOnly,
    sameSite: 'strict' as const,
    // Secure when served over TLS (behind a reverse proxy or directly); plain HTTP on the
    // office LAN otherwise, where a Secure cookie would never be sent back.
    secure: req.protocol === 'https',
    expires: new Date(expiresAt),
  }
}

export const sessionRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/login',
    {
      config: { public: true, noCsrf: true, rateLimit: LOGIN_LIMIT },
      schema: {
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: SessionInfo },
      },
    },
    async (req, reply) => {
      const user = await ctx.accounts.authenticate(req.body.username, req.body.password)
      if (!user) {
        req.log.warn({ username: req.body.username, ip: req.ip }, 'failed login')
        throw new HttpError(401, 'wrong username or password', 'WRONG_CREDENTIALS')
      }
      const { csrf, expiresAt } = startSession(req, reply, user.id)
      req.log.info({ username: user.username }, 'login')
      return { user, csrf, expiresAt, timezone: ctx.config.timezone }
    },
  )

  function startSession(req: FastifyRequest, reply: FastifyReply, userId: number) {
    const { token, expiresAt } = ctx.accounts.openSession(userId)
    const csrf = csrfTokenFor(token)
    reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, expiresAt, true))
    // Readable by the page's script (double submit); worthless without the session cookie.
    reply.setCookie(CSRF_COOKIE, csrf, cookieOptions(req, expiresAt, false))
    return { csrf, expiresAt }
  }

  app.post('/api/logout', { config: { pending: true, officer: true } }, async (req, reply: FastifyReply) => {
    ctx.accounts.closeSession(req.cookies[SESSION_COOKIE])
    // That session's live streams end now, not at the next heartbeat.
    ctx.hub.closeEnded()
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    reply.clearCookie(CSRF_COOKIE, { path: '/' })
    return reply.code(204).send()
  })

  app.get('/api/session', { config: { pending: true, officer: true }, schema: { response: { 200: SessionInfo } } }, async (req) => {
    const user = currentUser(req)
    return { user, csrf: req.session!.csrf, expiresAt: req.session!.expiresAt, timezone: ctx.config.timezone }
  })

  app.post(
    '/api/password',
    {
      config: { pending: true, officer: true },
      schema: {
        body: Type.Object({ current: Type.String({ minLength: 1 }), password: Type.String({ minLength: 10, maxLength: 256 }) }),
      },
    },
    async (req, reply) => {
      const user = await ctx.accounts.changeOwnPassword(currentUser(req), req.body.current, req.body.password, actorOf(req))
      // Every session of the user ended with the old password (a stolen cookie dies with it);
      // this browser, which just proved it knows both, gets a new one and goes on working.
      ctx.hub.closeEnded()
      startSession(req, reply, user.id)
      req.log.info({ username: user.username }, 'password changed')
      return reply.code(204).send()
    },
  )

  // The page to change one's password (login.js in its "password" mode). Served as the login
  // page's own file so it stays one page with one set of headers (static.ts).
  app.get('/password', { config: { page: true, pending: true, officer: true } }, async (_req, reply) => {
    const page = await app.inject({ method: 'GET', url: '/static/login.html' })
    for (const name of ['content-type', 'cache-control', 'content-security-policy', 'x-content-type-options', 'referrer-policy']) {
      if (page.headers[name] !== undefined) reply.header(name, page.headers[name])
    }
    return reply.send(page.rawPayload)
  })
}
