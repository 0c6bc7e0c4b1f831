/**
 * Dashboard users (admin only). Passwords never come back, except the one-time password of a
 * reset, once; the last admin cannot be removed or demoted (accounts.ts). A password an admin
 * sets or resets for someone else must be changed by that user at their next login.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { HttpError, actorOf } from '../auth.ts'
import { UserSchema } from './session.ts'
import { Slug } from '../../../protocol/index.ts'

const ADMIN = { roles: ['admin' as const] }
const Role = Type.Union([Type.Literal('admin'), Type.Literal('head'), Type.Literal('viewer'), Type.Literal('officer')])
const Office = Type.Union([Slug('Office id'), Type.Null()])
const OfficerLink = Type.Union([Slug('Officer id (role officer)'), Type.Null()])
const Password = Type.String({ minLength: 10, maxLength: 256 })
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const userRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/users', { config: ADMIN, schema: { response: { 200: Type.Object({ users: Type.Array(UserSchema) }) } } }, async () => ({
    users: ctx.accounts.list(),
  }))

  app.post(
    '/api/users',
    {
      config: ADMIN,
      schema: {
        body: Type.Object({ username: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$' }), password: Password, role: Role, officeId: Type.Optional(Office), officerId: Type.Optional(OfficerLink) }),
        response: { 201: UserSchema },
      },
    },
    async (req, reply) => {
      const user = await ctx.accounts.create({ ...req.body, officeId: req.body.officeId ?? null }, actorOf(req))
      req.log.info({ username: user.username, role: user.role }, 'user created')
      return reply.code(201).send(user)
    },
  )

  app.patch(
    '/api/users/:id',
    {
      config: ADMIN,
      schema: {
        params: IdParams,
        body: Type.Object({ password: Type.Optional(Password), role: Type.Optional(Role), officeId: Type.Optional(Office), officerId: Type.Optional(OfficerLink) }),
        response: { 200: UserSchema },
      },
    },
    async (req) => {
      const forSomeoneElse = req.body.password !== undefined && req.params.id !== req.session!.user.id
      const user = await ctx.accounts.update(req.params.id, { ...req.body, mustChange: forSomeoneElse }, actorOf(req))
      ctx.hub.closeEnded() // a changed password or role ends that user's sessions and streams
      return user
    },
  )

  app.post(
    '/api/users/:id/reset-password',
    { config: ADMIN, schema: { params: IdParams, response: { 200: Type.Object({ username: Type.String(), password: Type.String() }) } } },
    async (req, reply) => {
      // One's own password is changed with the current one (/api/password), not reset.
      if (req.params.id === req.session!.user.id) throw new HttpError(400, 'change your own password instead', 'RESET_OWN_PASSWORD')
      const password = await ctx.accounts.resetPassword(req.params.id, actorOf(req))
      ctx.hub.closeEnded()
      const user = ctx.accounts.get(req.params.id)!
      req.log.info({ username: user.username, by: req.session!.user.username }, 'password reset')
      return reply.header('cache-control', 'no-store').send({ username: user.username, password })
    },
  )

  app.delete('/api/users/:id', { config: ADMIN, schema: { params: IdParams } }, async (req, reply) => {
    ctx.accounts.remove(req.params.id, actorOf(req))
    return reply.code(204).send()
  })
}
