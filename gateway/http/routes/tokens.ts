/**
 * Integration tokens (integration-tokens.ts), managed by admins only: create (the token is in
 * this one response, never again), list, revoke.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SLUG_PATTERN } from '../../../protocol/index.ts'
import type { AppContext } from '../app.ts'
import { currentUser } from '../auth.ts'
import { TOKEN_SCOPES, type IntegrationTokens } from '../../integration-tokens.ts'

const ADMIN = { roles: ['admin' as const] }
const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  officeId: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
})

export const tokenRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; tokens: IntegrationTokens }> = async (app, { tokens }) => {
  app.get('/api/tokens', { config: ADMIN, schema: { summary: 'Integration tokens (never the tokens themselves)', tags: ['tokens'], response: { 200: Type.Object({ tokens: Type.Array(TokenView) }) } } }, async () => ({ tokens: tokens.list() }))

  app.post(
    '/api/tokens',
    {
      config: ADMIN,
      schema: {
        summary: 'Create an integration token for one office',
        tags: ['tokens'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128, description: 'What uses it, e.g. "OpenCPS queue"' }),
            office: Type.String({ pattern: SLUG_PATTERN }),
            scopes: Type.Array(Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, description: 'windows: open/close rating windows; read: read-only GETs of reports and live' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String({ description: 'Shown once: only its hash is stored' }), info: TokenView }) },
      },
    },
    async (req, reply) => {
      const created = tokens.create({ name: req.body.name, officeId: req.body.office, scopes: req.body.scopes, createdBy: currentUser(req).username })
      req.log.info({ token: created.info.id, tokenName: created.info.name, office: created.info.officeId, scopes: created.info.scopes, by: currentUser(req).username }, 'integration token created')
      return reply.code(201).header('cache-control', 'no-store').send(created)
    },
  )

  app.post(
    '/api/tokens/:id/revoke',
    { config: ADMIN, schema: { summary: 'Revoke a token: refused from the next call on', tags: ['tokens'], params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }) }), response: { 200: TokenView } } },
    async (req) => {
      const t = tokens.revoke(req.params.id)
      req.log.info({ token: t.id, by: currentUser(req).username }, 'integration token revoked')
      return t
    },
  )
}
