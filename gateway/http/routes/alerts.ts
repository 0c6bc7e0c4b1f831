/**
 * Alerts through the API:
 *  - GET /api/alerts: without `state`, `from` or `to`, the alerts that hold now (as before,
 *    each now with its id, state and time raised); with any of them, the record of alerts
 *    raised in the period (local dates, `to` inclusive), newest first, each with its history;
 *  - GET /api/alerts/:id: one alert with its history;
 *  - POST /api/alerts/:id/ack {comment}: the user acknowledges it by name (admins any; an
 *    office head only their office's; the gateway's own alerts are the admins');
 *  - GET/PUT /api/alert-settings: the rules in force; admins change them (a patch).
 * A head (or a viewer given an office) sees their office's alerts and the gateway's own.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { HttpError, actorOf, currentUser, requireManage, scope, userOffice } from '../auth.ts'
import { visibleAlerts } from '../live-hub.ts'
import { localMidnight } from '../../local-time.ts'
import { AlertRulesPatchSchema, AlertRulesSchema } from '../../alerts/rules.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'
const ListQuery = Type.Object({
  office: Type.Optional(Type.String({ maxLength: 64 })),
  state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')])),
  from: Type.Optional(Type.String({ pattern: DATE, description: 'First local date raised, YYYY-MM-DD' })),
  to: Type.Optional(Type.String({ pattern: DATE, description: 'Last local date raised (inclusive), YYYY-MM-DD' })),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
})
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) })

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

export const alertRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const tz = ctx.config.timezone

  app.get('/api/alerts', { schema: { querystring: ListQuery } }, async (req) => {
    const officeId = scope(req, req.query.office)
    const { state, from, to, limit } = req.query
    if (!state && !from && !to) return { alerts: visibleAlerts(ctx.alerts.refresh(), officeId) }
    const fromMs = from ? localMidnight(from, tz) : undefined
    const toMs = to ? localMidnight(nextDay(to), tz) : undefined
    if ((fromMs !== undefined && !Number.isFinite(fromMs)) || (toMs !== undefined && !Number.isFinite(toMs))) throw new HttpError(400, 'invalid date')
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw new HttpError(400, '"from" must not be after "to"')
    return { alerts: ctx.alerts.history.list({ officeId, state, fromMs, toMs, limit }) }
  })

  app.get('/api/alerts/:id', { schema: { params: Id } }, async (req) => {
    const alert = ctx.alerts.history.get(req.params.id, true)
    if (!alert) throw new HttpError(404, 'no such alert')
    // As in the lists: a head sees their office's alerts and the gateway's own, not those of a
    // box no office owns.
    const own = userOffice(currentUser(req))
    if (own && alert.kind !== 'system' && alert.officeId !== own) throw new HttpError(403, 'that office is not yours')
    return alert
  })

  app.post(
    '/api/alerts/:id/ack',
    {
      config: { roles: ['admin', 'head'] },
      schema: { params: Id, body: Type.Object({ comment: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }) },
    },
    async (req) => {
      const found = ctx.alerts.history.get(req.params.id)
      if (!found) throw new HttpError(404, 'no such alert')
      // A head acknowledges their office's alerts; the gateway's own (officeId null) are the admins'.
      requireManage(req, found.officeId)
      const comment = req.body.comment.trim()
      if (!comment) throw new HttpError(400, 'a comment is required')
      const user = currentUser(req)
      return ctx.alerts.acknowledge(found.id, { user: user.username, comment, source: actorOf(req).source })
    },
  )

  app.get('/api/alert-settings', { schema: { response: { 200: AlertRulesSchema } } }, async () => ctx.alerts.settings())

  app.put(
    '/api/alert-settings',
    { config: { roles: ['admin'] }, schema: { body: AlertRulesPatchSchema, response: { 200: AlertRulesSchema } } },
    async (req) => ctx.alerts.saveSettings(req.body),
  )
}
