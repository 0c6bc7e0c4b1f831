/**
 * The OpenAPI document of the gateway's JSON API (issue 13 item 6), served at
 * /api/openapi.json without a session so a queue system's integrator can read it before
 * holding a token. @fastify/swagger builds it from the routes' TypeBox schemas as they are
 * registered, so it must be registered before them. The worked example of a queue system's
 * calls is docs/queue-systems.md.
 */
import type { FastifyInstance } from 'fastify'
import { existsSync, readFileSync } from 'node:fs'

/**
 * chamdiem's own version: its package.json is two folders up in a checkout and three in the
 * installed package (dist/gateway/http/), so look upwards for it.
 */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url), i = 0; i < 5; dir = new URL('..', dir), i++) {
    const file = new URL('package.json', dir)
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
    if (pkg.name === 'chamdiem' && pkg.version) return pkg.version
  }
  return '0.0.0'
}

const VERSION = packageVersion()

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
