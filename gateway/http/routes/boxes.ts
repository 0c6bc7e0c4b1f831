/**
 * Boxes: provision (the secret is in this one response and never again: only its hash is
 * stored), move to another counter, retire. A box that stands at no counter belongs to no
 * office, so only an admin provisions one without a counter.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { AppContext } from '../app.ts'
import { actorOf, HttpError, requireManage, scope } from '../auth.ts'
import { BOX_ID_PATTERN } from '../../../protocol/index.ts'
import { Slug } from './registry.ts'

const BoxParams = Type.Object({ id: Type.String({ pattern: BOX_ID_PATTERN }) })
const WRITERS = { roles: ['admin' as const, 'head' as const] }

export const boxRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { registry } = ctx

  /** The office a box stands in now; a head may touch only boxes of their office. */
  const manageBox = (req: FastifyRequest, boxId: string) => {
    registry.requireBox(boxId)
    const counterId = registry.counterOfBox(boxId, ctx.now())
    requireManage(req, counterId ? registry.counter(counterId)?.officeId : null)
  }

  app.get('/api/boxes', { schema: { querystring: Type.Object({ office: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req) => {
    const office = scope(req, req.query.office)
    const counters = new Map(registry.counters().map((c) => [c.id, c]))
    return {
      boxes: registry.boxes(office ?? undefined).map((b) => ({
        ...b,
        officeId: b.counterId ? (counters.get(b.counterId)?.officeId ?? null) : null,
        online: b.lastState === 'online',
      })),
    }
  })

  app.post(
    '/api/boxes',
    {
      config: WRITERS,
      schema: {
        body: Type.Object({ id: Type.String({ pattern: BOX_ID_PATTERN }), counter: Type.Optional(Slug) }),
        response: { 201: Type.Object({ id: Type.String(), secret: Type.String(), counterId: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req, reply) => {
      const { id, counter } = req.body
      if (registry.boxExists(id)) manageBox(req, id)
      if (counter) requireManage(req, registry.requireCounter(counter).officeId)
      else if (req.session!.user.role !== 'admin') throw new HttpError(403, 'choose a counter of your office for the box', 'BOX_NEEDS_COUNTER')
      const secret = registry.as(actorOf(req)).provisionBox(id, { counterId: counter, at: ctx.now() })
      req.log.info({ boxId: id, counter }, 'box provisioned')
      return reply.code(201).header('cache-control', 'no-store').send({ id, secret, counterId: counter ?? null })
    },
  )

  app.post(
    '/api/boxes/:id/move',
    { config: WRITERS, schema: { params: BoxParams, body: Type.Object({ counter: Slug }) } },
    async (req, reply) => {
      manageBox(req, req.params.id)
      requireManage(req, registry.requireCounter(req.body.counter).officeId)
      registry.as(actorOf(req)).assignBox(req.params.id, req.body.counter, ctx.now())
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/boxes/:id/retire',
    { config: WRITERS, schema: { params: BoxParams } },
    async (req, reply) => {
      manageBox(req, req.params.id)
      registry.as(actorOf(req)).retireBox(req.params.id, ctx.now())
      return reply.code(204).send()
    },
  )
}
