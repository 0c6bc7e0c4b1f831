/**
 * System (c): the real gateway (`gateway/gateway.ts`) with everything on: box auth and ACL,
 * validation, dedup, attribution, durable group commit before PUBACK, live fan-out. It runs
 * in its own process on loopback ports, in a data dir prepared by the parent with the boxes
 * already provisioned (lib/provision.ts), removed at stop.
 *
 * argv[2]: JSON `{ dataDir, http? }`. With `http`, the dashboard's HTTP app
 * (gateway/http/app.ts) also listens on a loopback port, and an admin session is opened so
 * the parent can read the live event stream (`/api/live/events`) as a browser would.
 * Requests: `count` (stored presses), `probe` (start recording press events: box, seq,
 * epoch ms of the bus event), `probed` (return and clear them), `stats` (the ingest's counters),
 * `gc` (a full garbage collection, when started with --expose-gc).
 */
import { performance } from 'node:perf_hooks'
import { resolveConfig } from '../../gateway/config.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { silentLogger } from '../../gateway/log.ts'
import { collectGarbage, serveParent } from '../lib/child.ts'
import { TIMEZONE } from '../lib/provision.ts'

interface Options {
  dataDir: string
  http?: boolean
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options
const dataDir = opts.dataDir
const config = resolveConfig(
  {
    dataDir,
    timezone: TIMEZONE,
    logLevel: 'silent',
    mqtt: { host: '127.0.0.1', port: 0, wsPort: null },
    // The HTTP app is started below (when asked for) so the benchmark does not depend on how
    // the gateway wires it; the gateway's own is off.
    http: { host: '127.0.0.1', port: 0, enabled: false },
  },
  'bench',
  {},
)
const gw = new Gateway({ config, log: silentLogger() })
await gw.start()

let http: { port: number; cookie: string; close: () => Promise<void> } | null = null
if (opts.http) {
  const { buildApp } = await import('../../gateway/http/app.ts')
  const { Accounts } = await import('../../gateway/http/accounts.ts')
  const { SESSION_COOKIE } = await import('../../gateway/http/auth.ts')
  const app = await buildApp({ db: gw.db, registry: gw.registry, bus: gw.bus, config, log: silentLogger() }, { logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const accounts = new Accounts(gw.db)
  const user = await accounts.create({ username: 'bench', password: 'bench-password-0123456789', role: 'admin', officeId: null })
  const { token } = accounts.openSession(user.id)
  http = { port: (app.server.address() as { port: number }).port, cookie: `${SESSION_COOKIE}=${token}`, close: () => app.close() }
}

let probing: Array<[string, number, number]> | null = null
gw.bus.on('press', 'bench-probe', (p) => {
  probing?.push([p.boxId, p.seq, performance.timeOrigin + performance.now()])
})

serveParent(
  { port: gw.mqttPort, httpPort: http?.port ?? null, cookie: http?.cookie ?? null, dataDir, pid: process.pid },
  {
    count: () => (gw.db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n,
    // Group commits so far: their number and average size show how well commits are grouped.
    stats: () => ({ ...gw.ingest.stats }),
    gc: () => collectGarbage(),
    probe: () => {
      probing = []
      return true
    },
    probed: () => {
      const out = probing ?? []
      probing = null
      return out
    },
  },
  async () => {
    await http?.close()
    // The parent removes the data dir once this process has exited.
    await gw.stop()
  },
)
