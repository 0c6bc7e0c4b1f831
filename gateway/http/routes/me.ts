/**
 * An officer's own results (role `officer`, accounts.ts): their figures over a period, never
 * a colleague's, no rank among colleagues, and only up to the end of the previous day (or
 * week, or month: config `officerResults.until`), so no one is watched press by press. Every
 * other API refuses officer accounts (auth.ts).
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { currentUser, HttpError } from '../auth.ts'
import { localMidnight, localTime, startOfLocalDay } from '../../local-time.ts'
import { period } from './reports.ts'
import { ratingScale } from '../../config.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'
const MeQuery = Type.Object({
  from: Type.String({ pattern: DATE, description: 'First local date, YYYY-MM-DD' }),
  to: Type.String({ pattern: DATE, description: 'Last local date (inclusive), YYYY-MM-DD' }),
})

export type ResultsDelay = 'previous-day' | 'previous-week' | 'previous-month'

/** The end (exclusive) of what an officer may see at `now`: local midnight starting today, this week or this month. */
export function resultsUntil(now: number, timeZone: string, delay: ResultsDelay): number {
  const today = startOfLocalDay(now, timeZone)
  const { weekday, date } = localTime(now, timeZone)
  if (delay === 'previous-day') return today
  if (delay === 'previous-month') return localMidnight(`${date.slice(0, 8)}01`, timeZone)
  const monday = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) - (weekday - 1)))
  return localMidnight(monday.toISOString().slice(0, 10), timeZone)
}

export const meRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/me/results', { config: { roles: ['officer'], officer: true }, schema: { querystring: MeQuery } }, async (req) => {
    const user = currentUser(req)
    if (!user.officerId) throw new HttpError(403, 'this account is not linked to an officer')
    const officer = ctx.registry.officer(user.officerId)
    if (!officer) throw new HttpError(404, 'your officer record no longer exists')
    const p = period(req.query.from, req.query.to, ctx.config.timezone)
    const until = resultsUntil(ctx.now(), ctx.config.timezone, ctx.config.officerResults.until)
    const toMs = Math.min(p.toMs, until)
    const base = { officer: { id: officer.id, name: officer.name }, from: p.fromMs, to: toMs, until, delay: ctx.config.officerResults.until, scale: ratingScale(ctx.config) }
    if (toMs <= p.fromMs) return { ...base, figures: null }
    // The office's report, of which only this officer's own row leaves the server, without
    // its rank (which would tell how colleagues did).
    const report = ctx.reports({ fromMs: p.fromMs, toMs, by: 'officer', officeId: officer.officeId, scale: base.scale })
    const row = report.rows.find((r) => r.key === officer.id)
    const figures = row ? (({ rank: _rank, key: _key, name: _name, officeId: _office, ...own }) => own)(row) : null
    return { ...base, figures }
  })
}
