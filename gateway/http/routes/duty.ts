/**
 * Duty: who is at which counter. Signing in wins over the weekly schedule from that moment
 * (attribution.ts); signing out leaves "nobody" for the rest of a scheduled shift.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { actorOf, requireManage, scope } from '../auth.ts'
import { startOfLocalDay } from '../../local-time.ts'
import { Slug } from './registry.ts'

const WRITERS = { roles: ['admin' as const, 'head' as const] }

export const dutyRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { registry } = ctx

  /** Today's duty sessions of the office's counters (open ones have endMs null). */
  app.get('/api/duty', { schema: { querystring: Type.Object({ office: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req) => {
    const office = scope(req, req.query.office)
    const counters = new Set(registry.counters(office ?? undefined).map((c) => c.id))
    const fromMs = startOfLocalDay(ctx.now(), ctx.config.timezone)
    return { sessions: registry.dutySessions({ fromMs }).filter((s) => counters.has(s.counterId)) }
  })

  app.post(
    '/api/duty/sign-in',
    { config: WRITERS, schema: { body: Type.Object({ officer: Slug, counter: Slug }), response: { 201: Type.Object({ id: Type.Integer(), counterId: Type.String(), officerId: Type.Union([Type.String(), Type.Null()]), startMs: Type.Integer() }) } } },
    async (req, reply) => {
      const counter = registry.requireCounter(req.body.counter)
      requireManage(req, counter.officeId)
      const s = registry.as(actorOf(req)).signIn(req.body.officer, counter.id, ctx.now(), `web:${req.session!.user.username}`)
      return reply.code(201).send(s)
    },
  )

  app.post(
    '/api/duty/sign-out',
    { config: WRITERS, schema: { body: Type.Object({ officer: Slug }) } },
    async (req, reply) => {
      const officer = registry.requireOfficer(req.body.officer)
      requireManage(req, officer.officeId)
      registry.as(actorOf(req)).signOut(officer.id, ctx.now(), `web:${req.session!.user.username}`)
      return reply.code(204).send()
    },
  )
}
