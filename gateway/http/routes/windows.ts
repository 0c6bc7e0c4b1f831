/**
 * Rating windows over HTTP (issue 13): a queue system (token of scope `windows`), the counter
 * PC or the dashboard opens a window at a counter when a citizen has been served; lists and
 * closes them. A token acts only in its office; a head only in theirs; viewers cannot open.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Reference, SLUG_PATTERN, WINDOW_ID_PATTERN } from '../../../protocol/index.ts'
import type { AppContext } from '../app.ts'
import { currentUser, HttpError, scope } from '../auth.ts'
import { integrationOfRequest } from '../token-auth.ts'
import type { Windows } from '../../windows.ts'

const Slug = Type.String({ pattern: SLUG_PATTERN })
const WindowView = Type.Object({
  id: Type.String(),
  officeId: Type.String(),
  counterId: Type.String(),
  officerId: Type.Union([Type.String(), Type.Null()]),
  reference: Type.Union([Type.String(), Type.Null()]),
  openedAt: Type.Integer({ description: 'ms since the Unix epoch' }),
  expiresAt: Type.Integer(),
  closedAt: Type.Union([Type.Integer(), Type.Null()]),
  closeReason: Type.Union([Type.String(), Type.Null()], { description: 'rated, timeout, superseded (the next opened), closed (by hand); null while open' }),
  openedBy: Type.String({ description: 'token:<id>, app:<id>, user:<name> or box:<id>' }),
  rated: Type.Optional(Type.Boolean()),
})
const OpenBody = Type.Object(
  {
    counter: Type.String({ pattern: SLUG_PATTERN, description: 'Counter id' }),
    reference: Type.Optional(Reference),
    officer: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'Officer id; default the officer on duty at the counter' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000, description: 'Default windows.timeoutMs (60 s)' })),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Type.String({ pattern: WINDOW_ID_PATTERN }) })
const ErrorBody = Type.Object({ error: Type.String() })

/** Who opens, and in which office they may: a token its own, an admin any, a head theirs. */
function opener(req: FastifyRequest): { by: string; officeScope: string | null } {
  const token = integrationOfRequest(req)
  if (token) return { by: `token:${token.id}`, officeScope: token.officeId }
  const user = currentUser(req)
  if (user.role === 'viewer') throw new HttpError(403, 'viewers cannot open or close rating windows')
  return { by: `user:${user.username}`, officeScope: user.role === 'admin' ? null : user.officeId }
}

export const windowRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; windows: Windows }> = async (app, { windows }) => {
  app.post(
    '/api/windows',
    {
      schema: {
        summary: 'Open a rating window at a counter',
        description: 'Closes the counter\'s open window (superseded) and opens a new one; every box at the counter shows it. The next counted press there rates it; after timeoutMs it is recorded as not rated.',
        tags: ['windows'],
        body: OpenBody,
        response: { 201: WindowView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { by, officeScope } = opener(req)
      const w = windows.openWindow({ counterId: req.body.counter, reference: req.body.reference ?? null, officerId: req.body.officer ?? null, timeoutMs: req.body.timeoutMs, by, officeScope })
      return reply.code(201).send(w)
    },
  )

  app.get(
    '/api/windows',
    {
      schema: {
        summary: 'Rating windows, newest first',
        tags: ['windows'],
        querystring: Type.Object({ office: Type.Optional(Slug), counter: Type.Optional(Slug), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: { 200: Type.Object({ windows: Type.Array(WindowView) }) },
      },
    },
    async (req) => {
      const officeId = scope(req, req.query.office)
      return { windows: windows.list({ officeId, counterId: req.query.counter, limit: req.query.limit }) }
    },
  )

  app.get(
    '/api/windows/:id',
    { schema: { summary: 'One rating window', tags: ['windows'], params: IdParams, response: { 200: WindowView, 404: ErrorBody } } },
    async (req) => {
      const w = windows.get(req.params.id)
      if (!w) throw new HttpError(404, 'no such window')
      scope(req, w.officeId)
      return { ...w, rated: windows.isRated(w.id) }
    },
  )

  app.post(
    '/api/windows/:id/close',
    { schema: { summary: 'Close an open window (the ticket was cancelled)', tags: ['windows'], params: IdParams, response: { 200: WindowView, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } } },
    async (req) => {
      const { officeScope } = opener(req)
      return windows.closeById(req.params.id, officeScope)
    },
  )
}
