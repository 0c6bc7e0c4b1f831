/**
 * The dashboard's own files (gateway/http/public): plain ES modules, CSS and HTML, served from
 * memory, plus lit-html's browser modules from the installed package's own folder (resolved
 * through Node's module resolution, so it works from the repository and from the npm tarball
 * alike; nothing is copied into the repository). Nothing comes from a CDN: an office gateway
 * often has no internet. Only the login page and what it loads answer without a session.
 *
 * Every file is sent compressed when the browser accepts it (brotli, else gzip; compressed
 * once, on first request, and kept) with an ETag; `cache-control: no-cache` makes the browser
 * revalidate, and an unchanged file costs a 304 with no body.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const DIR = fileURLToPath(new URL('./public/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Files the login, wall and public pages need; everything else needs a session. */
const PUBLIC_FILES = new Set(['login.html', 'login.js', 'login-reason.js', 'i18n.js', 'dom.js', 'style.css', 'favicon.svg', 'wall.html', 'wall.js', 'wall.css', 'stream.js', 'public.html', 'public.js', 'scale.js'])

// Pages are single-page-app entry points: each path serves index.html, which routes itself.
export const PAGES = ['/', '/live', '/reports', '/print', '/admin', '/alerts', '/audit', '/me', '/displays']

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'"

export const SECURITY_HEADERS = {
  // Everything is ours: scripts and styles only from this origin, no framing (clickjacking).
  'content-security-policy': CSP + "; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

/** The citizens' page has no controls and no session: a province portal may frame it. */
export const EMBEDDABLE_HEADERS = { ...SECURITY_HEADERS, 'content-security-policy': CSP + '; frame-ancestors *' }

/** One file with its validator and, made on demand, its compressed forms. */
export class Asset {
  readonly etag: string
  private gz: Buffer | undefined
  private br: Buffer | undefined

  constructor(
    readonly body: Buffer,
    readonly type: string,
  ) {
    this.etag = createHash('sha256').update(body).digest('base64url').slice(0, 22)
  }

  /** The best encoding the request accepts (brotli, gzip, none), when it makes the file smaller. */
  pick(acceptEncoding: string | undefined): { body: Buffer; encoding: 'br' | 'gzip' | null; etag: string } {
    const accepts = acceptedEncodings(acceptEncoding)
    if (this.body.length > 256) {
      if (accepts.has('br')) {
        this.br ??= brotliCompressSync(this.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: this.body.length } })
        if (this.br.length < this.body.length) return { body: this.br, encoding: 'br', etag: `"${this.etag}-br"` }
      }
      if (accepts.has('gzip')) {
        this.gz ??= gzipSync(this.body, { level: 9 })
        if (this.gz.length < this.body.length) return { body: this.gz, encoding: 'gzip', etag: `"${this.etag}-gz"` }
      }
    }
    return { body: this.body, encoding: null, etag: `"${this.etag}"` }
  }
}

/** The codings an Accept-Encoding header allows (a q=0 entry refuses one). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>()
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (name && (!q || Number(q.slice(2)) > 0)) out.add(name)
  }
  return out
}

/** If-None-Match names this representation (weak comparison, as RFC 9110 13.1.2 asks). */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

export function sendAsset(req: FastifyRequest, reply: FastifyReply, asset: Asset, headers: Record<string, string> = SECURITY_HEADERS) {
  const r = asset.pick(req.headers['accept-encoding'])
  reply.headers({ ...headers, 'content-type': asset.type, 'cache-control': 'no-cache', etag: r.etag, vary: 'accept-encoding' })
  if (notModified(req.headers['if-none-match'], r.etag)) return reply.code(304).send()
  if (r.encoding) reply.header('content-encoding', r.encoding)
  return reply.send(r.body)
}

/** lit-html's folder, found the way Node finds the package (works in the repository and when installed). */
export function packageDir(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name))
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`package ${name} not found`)
    dir = up
  }
  return dir
}

/** lit-html's browser build: its root modules and directives/, nothing else (no path from the URL reaches the disk unchecked). */
const VENDOR_FILE = /^(directives\/)?[a-z][a-z-]*\.js$/

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerStatic(app: FastifyInstance<any, any, any, any, any>): (name: string) => Asset {
  const files = new Map<string, Asset>()
  for (const name of readdirSync(DIR)) if (TYPES[extname(name)]) files.set(name, new Asset(readFileSync(join(DIR, name)), TYPES[extname(name)]))
  const file = (name: string) => files.get(name)!

  for (const name of files.keys()) {
    app.get(`/static/${name}`, { config: { public: PUBLIC_FILES.has(name) } }, async (req, reply) => sendAsset(req, reply, file(name)))
  }

  serveLitHtml(app, { public: true })

  app.get('/login', { config: { public: true } }, async (req, reply) => {
    if (req.session) return reply.redirect('/live')
    return sendAsset(req, reply, file('login.html'))
  })

  for (const path of PAGES) {
    app.get(path, { config: { page: true } }, async (req, reply) => {
      if (path === '/') return reply.redirect('/live')
      return sendAsset(req, reply, file('index.html'))
    })
  }

  app.get('/favicon.ico', { config: { public: true } }, async (req, reply) => sendAsset(req, reply, file('favicon.svg')))
  return file
}

/**
 * `/static/vendor/lit-html/*`: lit-html's own files from its package folder (resolved by Node,
 * so an installed tarball serves them too), read on first use: an idle server with nobody
 * watching never loads them. The province's server uses it too.
 */
export function serveLitHtml(app: FastifyInstance, opts: { public: boolean }): void {
  let litDir: string | undefined
  const vendor = new Map<string, Asset>()
  app.get('/static/vendor/lit-html/*', { config: { public: opts.public } }, async (req, reply) => {
    const path = (req.params as { '*': string })['*']
    if (!VENDOR_FILE.test(path)) return reply.code(404).send({ error: 'not found' })
    litDir ??= packageDir('lit-html')
    let asset = vendor.get(path)
    if (!asset) {
      const full = join(litDir, path)
      if (!existsSync(full)) return reply.code(404).send({ error: 'not found' })
      asset = new Asset(readFileSync(full), TYPES['.js'])
      vendor.set(path, asset)
    }
    return sendAsset(req, reply, asset)
  })
}
