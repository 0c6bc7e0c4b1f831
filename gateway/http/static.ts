/**
 * The dashboard's own files (gateway/http/public): plain ES modules, CSS and HTML, served from
 * memory. Nothing comes from a CDN: an office gateway often has no internet. Only the login
 * page and what it loads answer without a session.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

const DIR = fileURLToPath(new URL('./public/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Files the login page needs; everything else needs a session. */
const PUBLIC_FILES = new Set(['login.html', 'login.js', 'i18n.js', 'dom.js', 'style.css', 'favicon.svg'])

// Pages are single-page-app entry points: each path serves index.html, which routes itself.
export const PAGES = ['/', '/live', '/reports', '/print', '/admin', '/alerts', '/audit', '/me']

const SECURITY_HEADERS = {
  // Everything is ours: scripts and styles only from this origin, no framing (clickjacking).
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerStatic(app: FastifyInstance<any, any, any, any, any>): void {
  const files = new Map<string, Buffer>()
  for (const name of readdirSync(DIR)) if (TYPES[extname(name)]) files.set(name, readFileSync(join(DIR, name)))

  const send = (name: string) => ({
    body: files.get(name)!,
    headers: { 'content-type': TYPES[extname(name)], 'cache-control': 'no-cache', ...SECURITY_HEADERS },
  })

  for (const name of files.keys()) {
    app.get(`/static/${name}`, { config: { public: PUBLIC_FILES.has(name) } }, async (_req, reply) => {
      const f = send(name)
      return reply.headers(f.headers).send(f.body)
    })
  }

  app.get('/login', { config: { public: true } }, async (req, reply) => {
    if (req.session) return reply.redirect('/live')
    const f = send('login.html')
    return reply.headers(f.headers).send(f.body)
  })

  for (const path of PAGES) {
    app.get(path, { config: { page: true } }, async (_req, reply) => {
      if (path === '/') return reply.redirect('/live')
      const f = send('index.html')
      return reply.headers(f.headers).send(f.body)
    })
  }

  app.get('/favicon.ico', { config: { public: true } }, async (_req, reply) => {
    const f = send('favicon.svg')
    return reply.headers(f.headers).send(f.body)
  })
}
