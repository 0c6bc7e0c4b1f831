/**
 * Login, logout and "who am I". Login is rate limited per client address (password guessing)
 * and takes JSON only: a cross-site HTML form cannot send application/json without a CORS
 * preflight, which this server never grants, so there is no login CSRF.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../app.ts'
import { CSRF_COOKIE, HttpError, SESSION_COOKIE, currentUser } from '../auth.ts'
import { csrfTokenFor } from '../accounts.ts'

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('head'), Type.Literal('viewer'), Type.Literal('officer')]),
  officeId: Type.Union([Type.String(), Type.Null()]),
  officerId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
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
        throw new HttpError(401, 'wrong username or password')
      }
      const { token, expiresAt } = ctx.accounts.openSession(user.id)
      const csrf = csrfTokenFor(token)
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, expiresAt, true))
      // Readable by the page's script (double submit); worthless without the session cookie.
      reply.setCookie(CSRF_COOKIE, csrf, cookieOptions(req, expiresAt, false))
      req.log.info({ username: user.username }, 'login')
      return { user, csrf, expiresAt, timezone: ctx.config.timezone }
    },
  )

  app.post('/api/logout', { config: { officer: true } }, async (req, reply: FastifyReply) => {
    ctx.accounts.closeSession(req.cookies[SESSION_COOKIE])
    // That session's live streams end now, not at the next heartbeat.
    ctx.hub.closeEnded()
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    reply.clearCookie(CSRF_COOKIE, { path: '/' })
    return reply.code(204).send()
  })

  app.get('/api/session', { config: { officer: true }, schema: { response: { 200: SessionInfo } } }, async (req) => {
    const user = currentUser(req)
    return { user, csrf: req.session!.csrf, expiresAt: req.session!.expiresAt, timezone: ctx.config.timezone }
  })

  app.post(
    '/api/password',
    {
      schema: {
        body: Type.Object({ current: Type.String({ minLength: 1 }), password: Type.String({ minLength: 10, maxLength: 256 }) }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req)
      if (!(await ctx.accounts.authenticate(user.username, req.body.current))) {
        throw new HttpError(403, 'current password is wrong')
      }
      await ctx.accounts.update(user.id, { password: req.body.password })
      ctx.hub.closeEnded()
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send()
    },
  )
}
