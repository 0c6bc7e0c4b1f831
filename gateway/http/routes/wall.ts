/**
 * The wall screen and the citizens' screen.
 *  - Wall (/wall): one office's counters in large type for the office head's room. A person
 *    with a session may open it (their office; an admin picks one), and so may a wall screen
 *    holding a display token (display-tokens.ts): /wall/t/<token> puts the token in an
 *    httpOnly cookie and the screen stays signed in until an admin revokes it. Only the
 *    routes in this file read that cookie, and all of them are reads.
 *  - Public (/public/<office>, only with http.publicView): the office's satisfaction today,
 *    never per officer or counter; no session, may be framed by a portal.
 * Admins manage display tokens under /api/display-tokens.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { AppContext } from '../app.ts'
import { HttpError, SESSION_COOKIE, scope } from '../auth.ts'
import { DISPLAY_COOKIE, DisplayTokens } from '../display-tokens.ts'
import { EMBEDDABLE_HEADERS, sendAsset, type Asset } from '../static.ts'
import { Slug } from '../../../protocol/index.ts'
import type { Counts } from '../live-query.ts'
import { figures } from '../../stats.ts'

const OfficeQuery = Type.Object({ office: Type.Optional(Type.String({ maxLength: 64 })) })
const ADMIN = { roles: ['admin' as const] }
/** Browsers keep a cookie at most 400 days; the screen renews it each time it opens /wall/t/<token>. */
const DISPLAY_COOKIE_DAYS = 400
/** Citizens' screens may be many: one summary per office is computed at most this often. */
const PUBLIC_CACHE_MS = 2000

const DisplayTokenSchema = Type.Object({
  id: Type.Integer(),
  officeId: Type.String(),
  label: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
})

export const wallRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; page: (name: string) => Asset }> = async (app, { ctx, page }) => {
  const tokens = new DisplayTokens(ctx.db, ctx.now)

  /** Who is watching: a display token (its office, fixed) or a session (scoped as usual). */
  function viewer(req: FastifyRequest, office?: string): { officeId: string | null; valid: () => boolean; display: boolean } {
    const display = tokens.verify(req.cookies[DISPLAY_COOKIE])
    if (display && !req.session) {
      const cookie = req.cookies[DISPLAY_COOKIE]
      return { officeId: display.officeId, valid: () => tokens.verify(cookie) !== null, display: true }
    }
    if (!req.session) throw new HttpError(401, 'login required')
    const token = req.cookies[SESSION_COOKIE]
    return { officeId: scope(req, office), valid: () => ctx.accounts.session(token) !== null, display: false }
  }

  app.get('/wall/t/:token', { config: { public: true }, schema: { params: Type.Object({ token: Type.String({ maxLength: 128 }) }) } }, async (req, reply) => {
    if (!tokens.verify(req.params.token)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Mã màn hình không hợp lệ hoặc đã bị thu hồi. / Unknown or revoked display token.')
    }
    reply.setCookie(DISPLAY_COOKIE, req.params.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: req.protocol === 'https',
      expires: new Date(ctx.now() + DISPLAY_COOKIE_DAYS * 86_400_000),
    })
    return reply.redirect('/wall', 303)
  })

  app.get('/wall', { config: { public: true } }, async (req, reply) => {
    if (!req.session && !tokens.verify(req.cookies[DISPLAY_COOKIE])) return reply.redirect('/login')
    return sendAsset(req, reply, page('wall.html'))
  })

  app.get('/api/wall', { config: { public: true }, schema: { querystring: OfficeQuery } }, async (req) => {
    const v = viewer(req, req.query.office)
    const snap = ctx.live.snapshot(v.officeId, ctx.now())
    return { ...snap, display: v.display }
  })

  app.get('/api/wall/events', { config: { public: true }, schema: { querystring: OfficeQuery } }, async (req, reply) => {
    const v = viewer(req, req.query.office)
    reply.hijack()
    ctx.hub.attach(reply.raw, v.officeId, v.valid)
  })

  app.get('/api/display-tokens', { config: ADMIN, schema: { response: { 200: Type.Object({ tokens: Type.Array(DisplayTokenSchema) }) } } }, async () => ({
    tokens: tokens.list(),
  }))

  app.post(
    '/api/display-tokens',
    {
      config: ADMIN,
      schema: {
        body: Type.Object({ officeId: Slug('Office id'), label: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: Type.Object({ token: Type.String(), url: Type.String(), display: DisplayTokenSchema }) },
      },
    },
    async (req, reply) => {
      const { token, display } = tokens.create({ officeId: req.body.officeId, label: req.body.label, createdBy: req.session!.user.username })
      req.log.info({ id: display.id, officeId: display.officeId, by: display.createdBy }, 'display token created')
      return reply.code(201).send({ token, url: `/wall/t/${token}`, display })
    },
  )

  app.delete('/api/display-tokens/:id', { config: ADMIN, schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } }, async (req) => {
    const display = tokens.revoke(req.params.id)
    // Its wall screens stop now, not at the next heartbeat.
    ctx.hub.closeEnded()
    req.log.info({ id: display.id, by: req.session!.user.username }, 'display token revoked')
    return display
  })

  if (!ctx.config.http.publicView) return

  const summaries = new Map<string, { at: number; body: unknown }>()
  app.get('/public/:office', { config: { public: true }, schema: { params: Type.Object({ office: Slug('Office id') }) } }, async (req, reply) => {
    if (!ctx.registry.offices().some((o) => o.id === req.params.office)) return reply.code(404).send({ error: 'not found' })
    return sendAsset(req, reply, page('public.html'), EMBEDDABLE_HEADERS)
  })

  app.get('/api/public/:office', { config: { public: true }, schema: { params: Type.Object({ office: Slug('Office id') }) } }, async (req, reply) => {
    const office = ctx.registry.offices().find((o) => o.id === req.params.office)
    if (!office) return reply.code(404).send({ error: 'not found' })
    const now = ctx.now()
    let cached = summaries.get(office.id)
    if (!cached || now - cached.at >= PUBLIC_CACHE_MS) {
      const snap = ctx.live.snapshot(office.id, now)
      // Office-wide only: the per-officer rows are summed here and never leave the server.
      const counts: Counts = {}
      for (const l of snap.scale) counts[l.id] = snap.officers.reduce((n, o) => n + (o.counts[l.id] ?? 0), 0)
      const f = figures(counts, 0, snap.scale)
      const levels = snap.scale.map(({ id, label, labelEn, satisfied }) => ({ id, label, labelEn, satisfied }))
      cached = {
        at: now,
        body: { office: { id: office.id, name: office.name }, date: snap.date, timezone: snap.timezone, levels, counts, total: f.total, satisfaction: f.satisfaction, updatedAt: now },
      }
      summaries.set(office.id, cached)
    }
    return reply.headers({ 'cache-control': 'no-cache' }).send(cached.body)
  })
}
