/**
 * The live view: a snapshot of today (with the alerts that hold now), the event stream that
 * keeps it current, and the rejected messages behind the "rejected" alert.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { SESSION_COOKIE, scope } from '../auth.ts'
import { visibleAlerts } from '../live-hub.ts'
import { recentRejected } from '../rejected-query.ts'

const OfficeQuery = Type.Object({ office: Type.Optional(Type.String({ maxLength: 64 })) })

export const liveRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/live', { schema: { querystring: OfficeQuery } }, async (req) => {
    const officeId = scope(req, req.query.office)
    return { ...ctx.live.snapshot(officeId, ctx.now()), alerts: visibleAlerts(ctx.alerts.list(), officeId) }
  })

  app.get('/api/live/events', { schema: { querystring: OfficeQuery } }, async (req, reply) => {
    const officeId = scope(req, req.query.office)
    const token = req.cookies[SESSION_COOKIE]
    reply.hijack()
    ctx.hub.attach(reply.raw, officeId, () => ctx.accounts.session(token) !== null)
  })

  app.get(
    '/api/rejected',
    {
      schema: {
        querystring: Type.Object({
          office: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
      },
    },
    async (req) => ({ rejected: recentRejected(ctx.db, scope(req, req.query.office), req.query.limit) }),
  )
}
