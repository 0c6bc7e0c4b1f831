/**
 * The province's pages: its own files (central/http/public) and, at the same /static/ paths
 * the gateway's dashboard uses, the gateway's look and helpers (style.css, dom.js, i18n.js, scale.js,
 * the login page) and lit-html, so the province sees the dashboard its centres know. Served
 * from memory, compressed, with the dashboard's security headers (gateway/http/static.ts).
 * Only the login page and what it loads answer without a login, and the public page (/public)
 * with its files when the province turns it on.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { Asset, sendAsset, serveLitHtml } from '../../http/static.ts'

const OWN = fileURLToPath(new URL('./public/', import.meta.url))
const GATEWAY = fileURLToPath(new URL('../../http/public/', import.meta.url))
/** The gateway's files the province's pages use. */
const SHARED = [
  'style.css',
  'dom.js',
  'i18n.js',
  'scale.js',
  'login.html',
  'login.js',
  'login-reason.js',
  'favicon.svg',
]
/** The login page and what it loads answer without a login. */
const LOGIN_FILES = new Set(SHARED)
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Paths that are the province's one page (province.html routes itself by the address). */
export const PROVINCE_PAGES = ['/live', '/ranking', '/drill']

/** What the public page (no login, only with `publicPage`) loads beyond the login page's files. */
const PUBLIC_FILES = ['province-public.html', 'province-public.js', 'province-words.js', 'province.css']

export function registerProvinceStatic(app: FastifyInstance, opts: { publicPage?: boolean } = {}): void {
  const open = new Set([...LOGIN_FILES, ...(opts.publicPage ? PUBLIC_FILES : [])])
  const files = new Map<string, Asset>()
  const add = (dir: string, name: string) =>
    files.set(name, new Asset(readFileSync(join(dir, name)), TYPES[extname(name)]))
  for (const name of SHARED) add(GATEWAY, name)
  for (const name of readdirSync(OWN)) if (TYPES[extname(name)]) add(OWN, name)

  for (const [name, asset] of files) {
    app.get(`/static/${name}`, { config: { public: open.has(name) } }, async (req, reply) =>
      sendAsset(req, reply, asset),
    )
  }

  serveLitHtml(app, { public: false })

  app.get('/login', { config: { public: true } }, async (req, reply) => {
    if (req.provinceUser) return reply.redirect('/live')
    return sendAsset(req, reply, files.get('login.html')!)
  })
  app.get('/', { config: { page: true } }, async (_req, reply) => reply.redirect('/live'))
  for (const path of PROVINCE_PAGES)
    app.get(path, { config: { page: true } }, async (req, reply) =>
      sendAsset(req, reply, files.get('province.html')!),
    )
  if (opts.publicPage)
    app.get('/public', { config: { public: true } }, async (req, reply) =>
      sendAsset(req, reply, files.get('province-public.html')!),
    )
  app.get('/favicon.ico', { config: { public: true } }, async (req, reply) =>
    sendAsset(req, reply, files.get('favicon.svg')!),
  )
}
