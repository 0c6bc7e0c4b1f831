/**
 * Offices, counters, officers and the weekly shift schedule. Everyone logged in reads what
 * their office scope allows; admins change anything, an office head only their own office,
 * a viewer nothing. All changes go through Registry (which emits registryChanged, so the
 * live view and the boxes' config follow).
 */
import { Type } from '@sinclair/typebox'
import { Name as NameSchema, Slug as SlugSchema } from '../../../protocol/index.ts'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { actorOf, HttpError, requireManage, scope } from '../auth.ts'
import { formatHhMm, parseHhMm } from '../../local-time.ts'
import { replaceWeek } from '../../shift-week.ts'

export const Slug = SlugSchema('Office, counter or officer id')
const Name = NameSchema('Display name')
const OfficeQuery = Type.Object({ office: Type.Optional(Type.String({ maxLength: 64 })) })
const IdParams = Type.Object({ id: Slug })
const WRITERS = { roles: ['admin' as const, 'head' as const] }
const HHMM_FROM = { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }
const HHMM_TO = { pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' }

export const registryRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { registry } = ctx

  // ---- offices ------------------------------------------------------------------------
  app.get('/api/offices', async (req) => {
    const own = scope(req)
    return { offices: registry.offices().filter((o) => !own || o.id === own) }
  })

  app.put(
    '/api/offices/:id',
    { config: WRITERS, schema: { params: IdParams, body: Type.Object({ name: Name }) } },
    async (req, reply) => {
      // Creating an office is an admin's job; a head may rename their own.
      if (!registry.office(req.params.id) && req.session!.user.role !== 'admin') throw new HttpError(403, 'only an admin creates offices', 'ADMIN_ONLY')
      requireManage(req, req.params.id)
      registry.as(actorOf(req)).upsertOffice(req.params.id, req.body.name)
      return reply.code(204).send()
    },
  )

  // ---- counters -----------------------------------------------------------------------
  app.get('/api/counters', { schema: { querystring: OfficeQuery } }, async (req) => ({
    counters: registry.counters(scope(req, req.query.office) ?? undefined),
  }))

  app.put(
    '/api/counters/:id',
    { config: WRITERS, schema: { params: IdParams, body: Type.Object({ office: Slug, name: Name }) } },
    async (req, reply) => {
      const existing = registry.counter(req.params.id)
      if (existing) requireManage(req, existing.officeId)
      requireManage(req, req.body.office)
      registry.as(actorOf(req)).upsertCounter(req.params.id, req.body.office, req.body.name)
      return reply.code(204).send()
    },
  )

  // ---- officers -----------------------------------------------------------------------
  app.get('/api/officers', { schema: { querystring: OfficeQuery } }, async (req) => ({
    officers: registry.officers(scope(req, req.query.office) ?? undefined),
  }))

  app.put(
    '/api/officers/:id',
    {
      config: WRITERS,
      schema: { params: IdParams, body: Type.Object({ office: Slug, name: Name, active: Type.Optional(Type.Boolean()) }) },
    },
    async (req, reply) => {
      const existing = registry.officer(req.params.id)
      if (existing) requireManage(req, existing.officeId)
      requireManage(req, req.body.office)
      registry.as(actorOf(req)).upsertOfficer(req.params.id, req.body.office, req.body.name)
      if (req.body.active !== undefined) registry.as(actorOf(req)).setOfficerActive(req.params.id, req.body.active)
      return reply.code(204).send()
    },
  )

  // ---- shifts -------------------------------------------------------------------------
  const ShiftOut = Type.Object({
    id: Type.Integer(),
    counterId: Type.String(),
    officerId: Type.String(),
    weekday: Type.Integer(),
    from: Type.String(),
    to: Type.String(),
  })
  const shiftOut = (s: { id: number; counterId: string; officerId: string; weekday: number; startMin: number; endMin: number }) => ({
    id: s.id,
    counterId: s.counterId,
    officerId: s.officerId,
    weekday: s.weekday,
    from: formatHhMm(s.startMin),
    to: formatHhMm(s.endMin),
  })

  app.get('/api/shifts', { schema: { querystring: OfficeQuery, response: { 200: Type.Object({ shifts: Type.Array(ShiftOut) }) } } }, async (req) => {
    const office = scope(req, req.query.office)
    const counters = new Set(registry.counters(office ?? undefined).map((c) => c.id))
    return { shifts: registry.shifts().filter((s) => counters.has(s.counterId)).map(shiftOut) }
  })

  app.post(
    '/api/shifts',
    {
      config: WRITERS,
      schema: {
        body: Type.Object({
          counter: Slug,
          officer: Slug,
          weekday: Type.Integer({ minimum: 1, maximum: 7 }),
          from: Type.String(HHMM_FROM),
          to: Type.String(HHMM_TO),
        }),
        response: { 201: ShiftOut },
      },
    },
    async (req, reply) => {
      const counter = registry.requireCounter(req.body.counter)
      requireManage(req, counter.officeId)
      const officer = registry.requireOfficer(req.body.officer)
      if (officer.officeId !== counter.officeId) throw new HttpError(400, `officer ${officer.id} works in another office than counter ${counter.id}`, 'OFFICER_OTHER_OFFICE', { officer: officer.id, counter: counter.id })
      const s = registry.as(actorOf(req)).addShift({
        counterId: counter.id,
        officerId: officer.id,
        weekday: req.body.weekday,
        startMin: parseHhMm(req.body.from),
        endMin: parseHhMm(req.body.to),
      })
      return reply.code(201).send(shiftOut(s))
    },
  )

  // A counter's whole week in one submit (the shift grid): checked, then replaced atomically.
  app.put(
    '/api/shifts/week/:counter',
    {
      config: WRITERS,
      schema: {
        params: Type.Object({ counter: Slug }),
        body: Type.Object({
          shifts: Type.Array(
            Type.Object({ weekday: Type.Integer({ minimum: 1, maximum: 7 }), officer: Slug, from: Type.String(HHMM_FROM), to: Type.String(HHMM_TO) }),
            { maxItems: 7 * 24 },
          ),
        }),
        response: { 200: Type.Object({ shifts: Type.Array(ShiftOut) }) },
      },
    },
    async (req) => {
      const counter = registry.requireCounter(req.params.counter)
      requireManage(req, counter.officeId)
      const week = req.body.shifts.map((s) => ({ weekday: s.weekday, officerId: s.officer, startMin: parseHhMm(s.from), endMin: parseHhMm(s.to) }))
      return { shifts: replaceWeek(ctx.db, registry, counter.id, week).map(shiftOut) }
    },
  )

  app.delete(
    '/api/shifts/:id',
    { config: WRITERS, schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (req, reply) => {
      const s = registry.shifts().find((x) => x.id === req.params.id)
      if (!s) throw new HttpError(404, `no shift ${req.params.id}`, 'UNKNOWN_SHIFT', { id: req.params.id })
      requireManage(req, registry.counter(s.counterId)?.officeId)
      registry.as(actorOf(req)).removeShift(s.id)
      return reply.code(204).send()
    },
  )
}
