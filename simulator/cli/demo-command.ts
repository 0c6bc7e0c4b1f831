/**
 * `chamdiem demo` (what `npm start` runs): a real gateway on the default ports (free ones if
 * those are taken), a seeded ward public administration service centre with about three
 * months of history (seed-history.ts), its boxes pressing at an accelerated pace, and the
 * dashboard URL with one-time admin credentials printed. Ctrl-C stops it cleanly.
 * No other server is needed.
 */
import { runProgram } from '../../gateway/cli/common.ts'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { resolveConfig } from '../../gateway/config.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { localTime } from '../../gateway/local-time.ts'
import { EventBus, type GatewayEvents } from '../../gateway/events.ts'
import { createLogger } from '../../gateway/log.ts'
import { Registry } from '../../gateway/registry.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { addStandardParts } from '../../gateway/parts.ts'
import { Fleet } from '../fleet.ts'
import { parseDuration } from '../faults.ts'
import { Progress } from '../progress.ts'
import { DemoWindows } from '../demo-windows.ts'
import { seedHistory } from '../seed-history.ts'
import { DEMO_OFFICE, officerMix, rotaOfficer, seedOffice } from '../seed-office.ts'
import { TrafficDriver } from '../traffic-driver.ts'
import {
  SimClock,
  TrafficModel,
  VIETNAM_OFFICE_HOURS,
  seedOf,
  simLabel,
} from '../traffic.ts'
import { KEYS_HELP, listenForKeys } from './keys.ts'

interface DemoOptions {
  dataDir?: string
  host: string
  mqttPort: number
  wsPort: number
  httpPort: number
  speed: number
  seed: string
  duration?: number
  historyDays: number
  logLevel: string
}

const DAY_MS = 86_400_000

const port = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is 0 (any free port) to 65535')
  return n
}

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem demo')
    .description(
      'Run a whole office without hardware: gateway, seeded office, simulated boxes and dashboard.',
    )
    .option(
      '--data-dir <dir>',
      'keep the demo data here (default: a temporary folder removed at exit)',
    )
    .option(
      '--host <address>',
      'address to listen on (0.0.0.0 to show the dashboard to other machines)',
      '127.0.0.1',
    )
    .option('--mqtt-port <port>', 'MQTT port (0 = any free port)', port, 1883)
    .option('--ws-port <port>', 'MQTT over WebSocket port (0 = any free port)', port, 9001)
    .option('--http-port <port>', 'dashboard port (0 = any free port)', port, 8080)
    .option(
      '--speed <x>',
      'simulated time runs X times faster than real time',
      (v) => {
        const x = Number(v)
        if (!(x > 0)) throw new InvalidArgumentError('--speed must be a positive number')
        return x
      },
      60,
    )
    .option('--seed <seed>', 'seed of the citizen traffic', 'demo')
    .option(
      '--history-days <n>',
      'days of past presses seeded at start (0 = none; a restart fills only the time since)',
      (v) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 0 || n > 366)
          throw new InvalidArgumentError('--history-days is a whole number from 0 to 366')
        return n
      },
      91,
    )
    .option('--duration <time>', 'stop by itself after this long (e.g. 10m)', parseDuration)
    .option('--log-level <level>', 'gateway log level', process.env.CHAMDIEM_LOG_LEVEL ?? 'warn')
    .action((opts: DemoOptions) => demo(opts))
  await runProgram(program, argv)
}

async function demo(opts: DemoOptions): Promise<void> {
  const tempData = opts.dataDir === undefined
  // A closed pipe (`npm start | head`) must not crash the demo past its clean stop.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'chamdiem-demo-'))
  const notes: string[] = []
  const pick = async (what: string, wanted: number) => {
    if (wanted === 0 || (await isFree(opts.host, wanted))) return wanted
    notes.push(`port ${wanted} (${what}) is taken: using a free one`)
    return 0
  }
  const now = Date.now()
  const office = seedOffice({ weekday: localTime(now, VIETNAM_OFFICE_HOURS.timezone).weekday })
  const config = resolveConfig(
    {
      dataDir,
      timezone: VIETNAM_OFFICE_HOURS.timezone,
      logLevel: opts.logLevel,
      mqtt: {
        host: opts.host,
        port: await pick('MQTT', opts.mqttPort),
        wsPort: await pick('MQTT over WebSocket', opts.wsPort),
      },
      http: { host: opts.host, port: await pick('dashboard', opts.httpPort) },
      // The seeded history arrives as presses queued up to that long ago (seed-history.ts).
      ingest: { maxAgeMs: (opts.historyDays + 1) * DAY_MS },
      registry: office.registry,
    },
    '(demo)',
  )
  const historyFrom = now - opts.historyDays * DAY_MS
  // A new office exists since the start of its history: boxes at their counters, shifts.
  if (opts.historyDays > 0 && !existsSync(join(dataDir, 'chamdiem.db'))) provision(dataDir, office, historyFrom)
  const log = createLogger(config.logLevel)
  const gw = new Gateway({ config, log })
  addStandardParts(gw)
  let fleet: Fleet | undefined
  let driver: TrafficDriver | undefined
  let progress: Progress | undefined
  let windows: DemoWindows | undefined
  let windowsLine: string | undefined
  let stopKeys = () => {}
  try {
    await gw.start()
    // Officers of today's rota sign in now, so presses are attributed whatever the hour.
    for (const d of office.onDuty) gw.registry.signIn(d.officer, d.counter, gw.now(), 'demo')
    if (opts.historyDays > 0) {
      const span = Math.max(1, now - historyFrom)
      const h = await seedHistory({
        db: gw.db,
        ingest: gw.ingest,
        traffic: office.traffic,
        // The officer the rota puts there that day (the shifts the gateway attributes by);
        // their mix drifts over the history.
        mixAt: (boxId, t) =>
          officerMix(
            rotaOfficer(boxId, localTime(t, VIETNAM_OFFICE_HOURS.timezone).weekday),
            (t - historyFrom) / span,
          ),
        fromMs: historyFrom,
        toMs: now,
        seed: seedOf(opts.seed),
      })
      if (h.presses > 0)
        notes.push(
          `history: ${h.presses} presses from ${new Date(h.fromMs).toISOString().slice(0, 10)} seeded in ${(h.ms / 1000).toFixed(1)} s (${(h.cpuMs / 1000).toFixed(1)} s of CPU)`,
        )
    }

    const connectHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host
    const clock = new SimClock(now, opts.speed)
    const model = new TrafficModel({
      counters: office.traffic,
      hours: VIETNAM_OFFICE_HOURS,
      seed: seedOf(opts.seed),
      startMs: now,
    })
    fleet = new Fleet({
      url: `mqtt://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${gw.mqttPort}`,
      boxes: office.registry.boxes.map((b) => ({ id: b.id, secret: b.secret as string })),
      seed: opts.seed,
      clock: () => clock.now(),
      log: log.child({ area: 'simulator' }),
    })
    // A few citizens press more than once: the dashboard shows repeats, left out of the counts.
    fleet.faults.set({ floodRate: 0.03, floodBurst: 2 })
    driver = new TrafficDriver({ fleet, model, clock, durationMs: opts.duration })
    await fleet.start({ waitConnected: true, timeoutMs: 30_000 })
    driver.start()

    for (const n of notes) console.log(n)
    console.log(banner(gw, office, dataDir, tempData, opts.speed))
    const shownClock = clock
    progress = new Progress({
      fleet,
      prefix: () =>
        `sim ${simLabel(VIETNAM_OFFICE_HOURS.timezone, shownClock.now())} x${opts.speed}`,
    })
    progress.start()
    const p = progress
    // Half the counters have a queue system opening rating windows (issue 13): response rates.
    const queueCounters = office.registry.counters.filter((_, i) => i % 2 === 0).map((c) => c.id)
    windows = new DemoWindows({ gw, counters: queueCounters, everyMs: Math.max(2000, Math.round(20_000 / Math.max(1, opts.speed / 60))), note: (t) => p.note(t) })
    windows.start()
    await new Promise<void>((resolve) => {
      let stoppingSince = 0
      const stop = (why: string) => {
        // npm forwards the terminal's Ctrl-C to us a few ms after we got it ourselves: only a
        // second Ctrl-C after a pause means "now".
        if (stoppingSince) {
          if (Date.now() - stoppingSince < 1000) return
          console.error('\nstopping at once')
          if (tempData) rmSync(dataDir, { recursive: true, force: true })
          process.exit(130)
        }
        stoppingSince = Date.now()
        p.note(`stopping (${why})`)
        resolve()
      }
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
      stopKeys = listenForKeys(
        fleet!,
        (t) => p.note(t),
        () => stop('q'),
      )
      void driver!.done.then(() => stop('duration reached'))
    })
  } finally {
    stopKeys()
    windows?.stop()
    windowsLine = windows?.line()
    progress?.stop()
    driver?.stop()
    if (fleet) {
      // Let what the boxes still hold reach the gateway before it stops.
      fleet.faults.set({ linkFlap: null, kill: null })
      fleet.faults.restoreLinks()
      await fleet.waitAllAcked({ timeoutMs: 5000 }).catch(() => undefined)
      await fleet.close()
    }
    await gw.stop()
    if (tempData) rmSync(dataDir, { recursive: true, force: true })
  }
  const t = fleet!.summary().totals
  console.log(
    `demo stopped: ${t.presses} presses sent, ${t.acked} acknowledged (${t.counted.total} counted, ${t.repeats.total} repeats)`,
  )
  if (windowsLine) console.log(windowsLine)
}

function banner(
  gw: Gateway,
  office: ReturnType<typeof seedOffice>,
  dataDir: string,
  tempData: boolean,
  speed: number,
): string {
  const mqttHost = gw.config.mqtt.host
  const host = mqttHost === '0.0.0.0' || mqttHost === '::' ? '127.0.0.1' : mqttHost
  // The first start of a store creates the admin and hands its password over once, here.
  const admin = gw.notices.firstAdmin
  const lines = ['', `chamdiem demo: ${DEMO_OFFICE.name}`]
  if (gw.httpUrl) {
    lines.push(`  dashboard  ${gw.httpUrl}`)
    if (admin) lines.push(`  login      ${admin.username} / ${admin.password}   (shown once)`)
    else lines.push('  login      the users already in this data folder (no new admin created)')
  } else {
    const failed = gw.parts.find((p) => p.name === 'http' && p.state === 'failed')
    lines.push(`  dashboard  not running${failed ? ` (${failed.error})` : ''}`)
  }
  lines.push(
    `  MQTT       mqtt://${host}:${gw.mqttPort}` +
      (gw.wsPort ? `   ws://${host}:${gw.wsPort}` : ''),
  )
  lines.push(
    `  data       ${dataDir}${tempData ? ' (temporary, removed at exit; keep it with --data-dir)' : ''}`,
  )
  lines.push(
    `  office     ${office.registry.counters.length} counters, ${office.registry.officers.length} officers, ${office.registry.boxes.length} boxes; simulated time runs ${speed}x`,
  )
  lines.push(
    '  on duty    ' +
      office.onDuty
        .map((d) => `${d.counter.toUpperCase()} ${office.officerName(d.officer)}`)
        .join(', '),
  )
  if (process.stdin.isTTY) lines.push(`  ${KEYS_HELP}`)
  lines.push('  Ctrl-C stops the demo.', '')
  return lines.join('\n')
}

/** Imports the office as it stood at `at` into a new data dir, as a gateway would have then. */
function provision(dataDir: string, office: ReturnType<typeof seedOffice>, at: number): void {
  const db = openDatabase(join(dataDir, 'chamdiem.db'))
  try {
    const registry = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: VIETNAM_OFFICE_HOURS.timezone, now: () => at })
    importRegistry(registry, db, office.registry, at)
  } finally {
    db.close()
  }
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}
