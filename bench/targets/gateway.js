/**
 * System (c): the real gateway (`gateway/gateway.ts`) with everything on: box auth and ACL,
 * validation, dedup, attribution, durable group commit before PUBACK, live fan-out. It runs
 * in its own process on loopback ports, in a data dir prepared by the parent with the boxes
 * already provisioned (lib/provision.ts), removed at stop.
 *
 * Plain JavaScript, so one file serves both builds: with `compiled`, it runs on plain Node
 * and loads the production build (dist/, what `npm pack` ships); without, the parent starts it
 * through tsx and it loads the TypeScript sources, as the tests and `npm start` do.
 *
 * argv[2]: JSON `{ dataDir, timezone, compiled?, http?, mqttPort? }`. With `http`, the gateway's standard
 * HTTP part (gateway/parts.ts) also listens on a loopback port, and an admin session is opened
 * so the parent can read the live event stream (`/api/live/events`) as a browser would.
 * Requests: `count` (stored presses), `probe` (start recording press events: box, seq,
 * epoch ms of the bus event), `probed` (return and clear them), `stats` (the ingest's counters),
 * `gc` (a full garbage collection, when started with --expose-gc), `checkpointWorker` (whether
 * the checkpoint worker thread runs now).
 */
import { performance } from 'node:perf_hooks'
import { collectGarbage, serveParent } from '../lib/serve-parent.js'

const opts = JSON.parse(process.argv[2] ?? '{}')
const root = opts.compiled ? '../../dist/gateway/' : '../../gateway/'
const ext = opts.compiled ? '.js' : '.ts'
const load = (path) => import(new URL(root + path + ext, import.meta.url).href)

const { resolveConfig } = await load('config')
const { Gateway } = await load('gateway')
const { silentLogger } = await load('log')
const { addStandardParts } = await load('parts')

const dataDir = opts.dataDir
const config = resolveConfig(
  {
    dataDir,
    timezone: opts.timezone,
    logLevel: 'silent',
    // A fixed port when given (the soak restarts the gateway where its boxes reconnect).
    mqtt: { host: '127.0.0.1', port: opts.mqttPort ?? 0, wsPort: null },
    http: { host: '127.0.0.1', port: 0, enabled: Boolean(opts.http) },
  },
  'bench',
  {},
)
// Wired as `chamdiem gateway` wires it: the standard parts (here only HTTP is configured).
const gw = new Gateway({ config, log: silentLogger() })
addStandardParts(gw)
await gw.start()

let http = null
if (opts.http) {
  if (!gw.http) throw new Error(`the gateway's HTTP part did not start: ${JSON.stringify(gw.parts)}`)
  // Loaded only here, so the memory of a gateway without the dashboard stays what it was.
  const { Accounts } = await load('http/accounts')
  const { SESSION_COOKIE } = await load('http/auth')
  const accounts = new Accounts(gw.db)
  const user = await accounts.create({ username: 'bench', password: 'bench-password-0123456789', role: 'admin', officeId: null })
  const { token } = accounts.openSession(user.id)
  http = { port: gw.http.port, cookie: `${SESSION_COOKIE}=${token}` }
}

/** @type {Array<[string, number, number]> | null} */
let probing = null
gw.bus.on('press', 'bench-probe', (p) => {
  probing?.push([p.boxId, p.seq, performance.timeOrigin + performance.now()])
})

serveParent(
  { port: gw.mqttPort, httpPort: http?.port ?? null, cookie: http?.cookie ?? null, dataDir, pid: process.pid },
  {
    count: () => gw.db.prepare('SELECT count(*) AS n FROM presses').get().n,
    // Group commits so far: their number and average size show how well commits are grouped.
    stats: () => ({ ...gw.ingest.stats }),
    gc: () => collectGarbage(),
    // The checkpoint worker runs only while the database is written: an idle gateway has none.
    checkpointWorker: () => gw.health().parts.find((p) => p.name === 'checkpointer')?.status?.workerRunning ?? false,
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
    // The parent removes the data dir once this process has exited.
    await gw.stop()
  },
)
