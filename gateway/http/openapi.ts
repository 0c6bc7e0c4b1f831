/**
 * The OpenAPI document of the gateway's JSON API (issue 13 item 6), served at
 * /api/openapi.json without a session so a queue system's integrator can read it before
 * holding a token. @fastify/swagger builds it from the routes' TypeBox schemas as they are
 * registered, so it must be registered before them. The worked example of a queue system's
 * calls is docs/queue-systems.md.
 */
import type { FastifyInstance } from 'fastify'
import { readFileSync } from 'node:fs'

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

export async function openApi(app: FastifyInstance): Promise<void> {
  const { default: swagger } = await import('@fastify/swagger')
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'chamdiem gateway API',
        version: VERSION,
        description:
          'JSON API of an office\'s chamdiem gateway. Integrations (queue systems, counter apps, BI tools) send `Authorization: Bearer <token>` with a token an admin created for one office (POST /api/tokens); scope `windows` opens and closes rating windows, scope `read` reads reports and the live view. The dashboard uses a session cookie and the `x-csrf-token` header instead. See docs/queue-systems.md for a worked example.',
      },
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'Integration token (cdt_...), scoped to one office' },
          session: { type: 'apiKey', in: 'cookie', name: 'cd_session', description: 'Dashboard session (POST /api/login); state changes also need the x-csrf-token header' },
        },
      },
      security: [{ token: [] }, { session: [] }],
      tags: [
        { name: 'windows', description: 'Rating windows: a citizen was served, invite them to rate' },
        { name: 'tokens', description: 'Integration tokens (admins)' },
      ],
    },
  })
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
}
