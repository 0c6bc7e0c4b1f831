/**
 * A real dashboard app on a real SQLite file in a temp dir, with the real registry and ingest,
 * driven through `app.inject()` (model: fastify/demo test/helper.ts). Everything it creates
 * is closed and removed when the test (or file) is done.
 */
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type App } from '../../gateway/http/app.ts'
import { Accounts, type Role } from '../../gateway/http/accounts.ts'
import { openDatabase, type Db } from '../../gateway/store/database.ts'
import { EventBus, type GatewayBus, type GatewayEvents } from '../../gateway/events.ts'
import { Registry } from '../../gateway/registry.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import { Attributor } from '../../gateway/attribution.ts'
import { Ingest } from '../../gateway/ingest.ts'
import { resolveConfig, type GatewayConfig } from '../../gateway/config.ts'
import { silentLogger } from '../../gateway/log.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { tempDir } from '../helpers/tmp.ts'
import { OFFICE, press } from '../helpers/office.ts'

export { press }

/** Long before any test's presses: boxes stand at their counters from then on. */
export const SINCE = Date.UTC(2020, 0, 1)
export const PASSWORD = 'correct horse battery'

export interface TestApp {
  app: App
  db: Db
  bus: GatewayBus
  registry: Registry
  ingest: Ingest
  config: GatewayConfig
  accounts: Accounts
  /** Logs in and returns what a browser would hold: the cookies and the CSRF token. */
  login(username: string, password?: string): Promise<Agent>
  /** Submits a press as box `boxId` through the real ingest pipeline. */
  pressAs(boxId: string, seq: number, rating: 'positive' | 'neutral' | 'negative', extra?: Record<string, unknown>): Promise<void>
}

export interface Agent {
  cookie: string
  csrf: string
  request(method: string, url: string, body?: unknown, opts?: { csrf?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>
}

export async function startTestApp(opts: { now?: () => number; users?: Array<{ username: string; role: Role; officeId: string | null }> } = {}): Promise<TestApp> {
  const dir = tempDir('chamdiem-http-')
  const config = resolveConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 } }, '(test)', {})
  const log = silentLogger()
  const db = openDatabase(join(dir, 'chamdiem.db'))
  const bus = new EventBus<GatewayEvents>(log)
  const registry = new Registry({ db, bus, timezone: config.timezone, now: opts.now })
  importRegistry(
    registry,
    db,
    {
      ...OFFICE,
      offices: [...OFFICE.offices, { id: 'other', name: 'UBND phường Khác' }],
      counters: [...OFFICE.counters, { id: 'x1', office: 'other', name: 'Quầy X1' }],
      officers: [...OFFICE.officers, { id: 'dung', office: 'other', name: 'Phạm Thị Dung' }],
      boxes: [...OFFICE.boxes, { id: 'box-x', counter: 'x1', secret: 'secret-of-box-x-0123456789' }],
    },
    SINCE,
  )
  const attributor = new Attributor(db, config.timezone)
  // As gateway.ts wires it: registry changes drop cached attributions.
  bus.on('registryChanged', 'attribution-cache', () => attributor.invalidate())
  const ingest = new Ingest({
    db,
    bus,
    attributor,
    // pressAs seeds counted presses a few ms apart: no cooldown here (the gateway's cooldown,
    // which a box's "repeat": false cannot skip, is tested in test/gateway/press-rate.test.ts).
    config: { ...config.ingest, cooldownMs: 0 },
    log,
    now: opts.now,
  })
  ingest.start()
  const app = await buildApp({ db, registry, bus, config, log, now: opts.now }, { logger: false, heartbeatMs: 200 })
  await app.ready()
  registerCleanup(async () => {
    await app.close()
    ingest.stop()
    db.close()
  })
  const accounts = new Accounts(db)
  const users = opts.users ?? [
    { username: 'admin', role: 'admin', officeId: null },
    { username: 'head', role: 'head', officeId: 'hcc' },
    { username: 'head2', role: 'head', officeId: 'other' },
    { username: 'viewer', role: 'viewer', officeId: 'hcc' },
    { username: 'viewall', role: 'viewer', officeId: null },
  ]
  for (const u of users) await accounts.create({ ...u, password: PASSWORD })

  let logins = 1
  const t: TestApp = {
    app,
    db,
    bus,
    registry,
    ingest,
    config,
    accounts,
    async login(username, password = PASSWORD) {
      // Each login from its own address: login is rate limited per address.
      const remoteAddress = `10.1.${(logins >> 8) & 255}.${logins++ & 255}`
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password }, remoteAddress })
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`)
      const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
      const csrf = (res.json() as { csrf: string }).csrf
      return {
        cookie,
        csrf,
        request(method: string, url: string, body?: unknown, o: { csrf?: string | null; headers?: Record<string, string> } = {}) {
          const headers: Record<string, string> = { cookie, ...(o.headers ?? {}) }
          const token = o.csrf === undefined ? csrf : o.csrf
          if (token !== null && method !== 'GET') headers['x-csrf-token'] = token
          return app.inject({ method: method as 'GET', url, headers, ...(body !== undefined ? { payload: body as object } : {}) })
        },
      }
    },
    pressAs(boxId, seq, rating, extra = {}) {
      return ingest.submit(boxId, 'press', Buffer.from(press(seq, rating, { repeat: false, ...extra })))
    },
  }
  return t
}
