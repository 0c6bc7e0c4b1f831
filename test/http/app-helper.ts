/**
 * The dashboard app of a real gateway (test/helpers/gateway.ts with the standard parts, as
 * `chamdiem gateway` wires them) on a real SQLite file in a temp dir, driven through
 * `app.inject()` (model: fastify/demo test/helper.ts). Everything it creates is closed and
 * removed when the test (or file) is done.
 */
import type { LightMyRequestResponse } from 'fastify'
import type { App } from '../../gateway/http/app.ts'
import { Accounts, type Role } from '../../gateway/http/accounts.ts'
import type { Db } from '../../gateway/store/database.ts'
import type { GatewayBus } from '../../gateway/events.ts'
import type { Gateway } from '../../gateway/gateway.ts'
import type { Registry } from '../../gateway/registry.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import type { Ingest } from '../../gateway/ingest.ts'
import type { GatewayConfig } from '../../gateway/config.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, press } from '../helpers/office.ts'

export { press }

/** Long before any test's presses: boxes stand at their counters from then on. */
export const SINCE = Date.UTC(2020, 0, 1)
export const PASSWORD = 'correct horse battery'

export interface TestApp {
  gw: Gateway
  app: App
  db: Db
  bus: GatewayBus
  registry: Registry
  ingest: Ingest
  config: GatewayConfig
  accounts: Accounts
  /** The admin the gateway created on its first start, with its one-time password. */
  firstAdmin: { username: string; password: string } | undefined
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

export async function startTestApp(
  opts: {
    now?: () => number
    heartbeatMs?: number
    users?: Array<{ username: string; role: Role; officeId: string | null }>
    /** Deep-merged over the test config (e.g. `notify`, `alerts`). */
    config?: Record<string, unknown>
    /** How often the scheduled report looks at the clock. */
    scheduleTickMs?: number
  } = {},
): Promise<TestApp> {
  // pressAs seeds counted presses a few ms apart: no cooldown here (the gateway's cooldown,
  // which a box's "repeat": false cannot skip, is tested in test/gateway/press-rate.test.ts).
  const { gw } = await startTestGateway({
    now: opts.now,
    // A test that freezes the clock to date its presses is not testing the clock guard: the
    // guard's monotonic clock follows the same frozen clock, so a slow run sees no "step".
    monotonic: opts.now,
    standardParts: { heartbeatMs: opts.heartbeatMs ?? 200, scheduleTickMs: opts.scheduleTickMs },
    config: { ingest: { cooldownMs: 0 }, ...opts.config },
  })
  // Imported into the running gateway's registry, dated long before any test's presses.
  importRegistry(
    gw.registry,
    gw.db,
    {
      ...OFFICE,
      offices: [...OFFICE.offices, { id: 'other', name: 'UBND phường Khác' }],
      counters: [...OFFICE.counters, { id: 'x1', office: 'other', name: 'Quầy X1' }],
      officers: [...OFFICE.officers, { id: 'dung', office: 'other', name: 'Phạm Thị Dung' }],
      boxes: [...OFFICE.boxes, { id: 'box-x', counter: 'x1', secret: 'secret-of-box-x-0123456789' }],
    },
    SINCE,
  )
  const app = gw.http!.app
  const accounts = new Accounts(gw.db, gw.now)
  const users = opts.users ?? [
    { username: 'admin', role: 'admin', officeId: null },
    { username: 'head', role: 'head', officeId: 'hcc' },
    { username: 'head2', role: 'head', officeId: 'other' },
    { username: 'viewer', role: 'viewer', officeId: 'hcc' },
    { username: 'viewall', role: 'viewer', officeId: null },
  ]
  for (const u of users) {
    // The gateway created the first admin with a random password: the test knows it as PASSWORD.
    const existing = accounts.list().find((a) => a.username === u.username)
    if (existing) await accounts.update(existing.id, { password: PASSWORD, role: u.role, officeId: u.officeId })
    else await accounts.create({ ...u, password: PASSWORD })
  }

  let logins = 1
  const t: TestApp = {
    gw,
    app,
    db: gw.db,
    bus: gw.bus,
    registry: gw.registry,
    ingest: gw.ingest,
    config: gw.config,
    accounts,
    firstAdmin: gw.notices.firstAdmin,
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
      return gw.ingest.submit(boxId, 'press', Buffer.from(press(seq, rating, { repeat: false, ...extra })))
    },
  }
  return t
}
