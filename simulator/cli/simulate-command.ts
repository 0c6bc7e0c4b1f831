/**
 * `chamdiem simulate`: virtual boxes from a registry file against any gateway, pressing as
 * the traffic model says, with faults on demand; prints progress and a final summary per box
 * and rating that the gateway's own report can be checked against.
 */
import { runProgram } from '../../gateway/cli/common.ts'
import { Command, InvalidArgumentError } from 'commander'
import { stringify } from 'yaml'
import { createLogger, silentLogger } from '../../gateway/log.ts'
import { Fleet } from '../fleet.ts'
import { parseDuration, parseFaults } from '../faults.ts'
import { Progress } from '../progress.ts'
import { loadRegistryFile } from '../registry-file.ts'
import { generateRegistry } from '../seed-office.ts'
import { formatSummary, groupBy } from '../summary.ts'
import { TrafficDriver } from '../traffic-driver.ts'
import { SCALE_PRESETS } from '../../protocol/index.ts'
import {
  ALWAYS_OPEN,
  SimClock,
  TrafficModel,
  VIETNAM_OFFICE_HOURS,
  prng,
  seedOf,
  simLabel,
  mixOnScale,
  type RatingMix,
} from '../traffic.ts'
import { KEYS_HELP, listenForKeys } from './keys.ts'

interface SimulateOptions {
  gateway?: string
  registry?: string
  generate?: number
  boxes?: number
  presses?: number
  duration?: number
  speed?: number | 'max'
  rate: number
  hours: 'vietnam' | 'always'
  start?: string
  seed: string
  faults?: string
  json?: boolean
  connectConcurrency: number
  drainTimeout: number
  logLevel: string
  /** Rating windows through the gateway's HTTP API (simulate-windows.ts). */
  windows?: string
  windowsToken?: string
  respond: number
  levels: 3 | 4 | 5
}

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${what} must be a whole number of at least 1`)
  return n
}

/** A rating mix drawn from an officer's (or box's) id: the same id always rates the same way. */
export function mixFor(key: string, seed: string): RatingMix {
  const random = prng(seedOf(`${seed}/${key}`))
  const positive = 0.4 + 0.5 * random()
  const negative = (1 - positive) * (0.1 + 0.6 * random())
  return { positive, neutral: 1 - positive - negative, negative }
}

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem simulate')
    .description(
      'Run virtual boxes against a gateway: citizen traffic, faults on demand, progress, and a summary to check the gateway report against.',
    )
    .option(
      '-g, --gateway <url>',
      'broker URL of the gateway, e.g. mqtt://127.0.0.1:1883 (ws:// works too)',
    )
    .option(
      '-r, --registry <file>',
      'YAML with the boxes and their secrets: a gateway config or its `registry` section',
    )
    .option(
      '-b, --boxes <n>',
      'simulate only the first N boxes of the file',
      positiveInt('--boxes'),
    )
    .option('-p, --presses <n>', 'presses per box, then stop', positiveInt('--presses'))
    .option('-d, --duration <time>', 'run this long (e.g. 90s, 5m), then stop', parseDuration)
    .option(
      '-s, --speed <x>',
      'simulated time runs X times faster; "max" = as fast as the gateway acknowledges (default 60, or max with --presses)',
      (v) => {
        if (v === 'max') return 'max' as const
        const x = Number(v)
        if (!(x > 0)) throw new InvalidArgumentError('--speed must be a positive number or "max"')
        return x
      },
    )
    .option('--rate <n>', 'citizens per counter per open hour', (v) => Number(v), 20)
    .option('--levels <n>', 'the gateway\'s rating scale: 3, 4 or 5 buttons per box (its ratingScale preset)', (v) => {
      if (v !== '3' && v !== '4' && v !== '5') throw new InvalidArgumentError('--levels is 3, 4 or 5')
      return Number(v) as 3 | 4 | 5
    }, 3 as 3 | 4 | 5)
    .option(
      '--hours <which>',
      'office hours: vietnam (Mon-Fri 7:30-11:30, 13:30-17:00) or always',
      'vietnam',
    )
    .option('--start <time>', 'simulated start time (ISO 8601; default now)')
    .option('--seed <seed>', 'seed of the traffic and the faults', 'chamdiem')
    .option(
      '-f, --faults <spec>',
      'faults during the run: dup=R, late=R[:AGE], garbage=R, flood=R[:BURST], drop=F[:EVERY[:DOWN]], kill=F[:EVERY]',
    )
    .option(
      '--generate <n>',
      'print a gateway config with N counters, officers and boxes (with secrets) for load runs, and exit',
      positiveInt('--generate'),
    )
    .option('--json', 'print the final summary as JSON on stdout')
    .option(
      '--connect-concurrency <n>',
      'connects in progress at once',
      positiveInt('--connect-concurrency'),
      50,
    )
    .option(
      '--drain-timeout <time>',
      'at the end, wait this long for every press to be acknowledged',
      parseDuration,
      60_000,
    )
    .option('--log-level <level>', 'log level of the virtual boxes', 'warn')
    .option('--windows <http url>', 'act as a queue system: open a rating window per served citizen through the gateway\'s HTTP API (e.g. http://gateway:8080); --presses citizens per counter (default 10)')
    .option('--windows-token <token>', 'integration token of scope windows (or CHAMDIEM_WINDOWS_TOKEN)')
    .option('--respond <share>', 'with --windows: share of citizens who rate, 0-1', (v) => {
      const x = Number(v)
      if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError('--respond must be between 0 and 1')
      return x
    }, 0.7)
    .action((opts: SimulateOptions) => simulate(opts))
  await runProgram(program, argv)
}

async function simulate(opts: SimulateOptions): Promise<void> {
  if (opts.generate) {
    process.stdout.write(
      `# chamdiem: ${opts.generate} simulated boxes. Start a gateway with it (chamdiem gateway -c this.yaml)\n` +
        `# and run the boxes against it (chamdiem simulate -g mqtt://HOST:1883 -r this.yaml).\n` +
        stringify({ registry: generateRegistry(opts.generate) }),
    )
    return
  }
  if (!opts.gateway || !opts.registry) {
    throw new Error('--gateway <url> and --registry <file> are required (or --generate <n>)')
  }
  if (opts.hours !== 'vietnam' && opts.hours !== 'always')
    throw new Error('--hours must be vietnam or always')
  const plan = opts.faults ? parseFaults(opts.faults) : null
  const file = loadRegistryFile(opts.registry)
  if (file.withoutSecret.length > 0) {
    console.error(
      `note: ${file.withoutSecret.length} boxes in ${opts.registry} have no secret and are left out`,
    )
  }
  const boxes = opts.boxes ? file.boxes.slice(0, opts.boxes) : file.boxes
  if (boxes.length === 0) throw new Error(`${opts.registry} lists no box with a secret`)
  if (opts.boxes && boxes.length < opts.boxes)
    throw new Error(
      `--boxes ${opts.boxes}: ${opts.registry} has only ${boxes.length} boxes with a secret`,
    )

  if (opts.windows) {
    const token = opts.windowsToken ?? process.env.CHAMDIEM_WINDOWS_TOKEN
    if (!token) throw new Error('--windows needs --windows-token <token> (or CHAMDIEM_WINDOWS_TOKEN): an integration token of scope windows')
    const { simulateWindows } = await import('./simulate-windows.ts')
    return simulateWindows({ gateway: opts.gateway, httpUrl: opts.windows, token, citizens: opts.presses ?? 10, respond: opts.respond, seed: opts.seed, json: opts.json, logLevel: opts.logLevel }, file, boxes)
  }

  // Whose mix a box rates from: the officer of the first shift at its counter, else the box itself.
  const officerAt = new Map<string, string>()
  for (const s of file.registry.shifts)
    if (!officerAt.has(s.counter)) officerAt.set(s.counter, s.officer)
  const keyOf = (boxId: string) => officerAt.get(file.counterOf(boxId) ?? '') ?? boxId

  const speed =
    opts.speed ?? (opts.presses !== undefined && opts.duration === undefined ? 'max' : 60)
  const startMs = opts.start ? Date.parse(opts.start) : Date.now()
  if (Number.isNaN(startMs))
    throw new Error(`--start: cannot read ${JSON.stringify(opts.start)} as a date`)
  const hours = opts.hours === 'always' ? ALWAYS_OPEN : VIETNAM_OFFICE_HOURS
  const model = new TrafficModel({
    counters: boxes.map((b) => ({
      boxId: b.id,
      ratePerHour: opts.rate,
      mix: mixOnScale(mixFor(keyOf(b.id), opts.seed), opts.levels),
    })),
    hours,
    seed: seedOf(opts.seed),
    startMs,
  })
  const clock = speed === 'max' ? 'max' : new SimClock(startMs, speed)
  let driver: TrafficDriver | undefined = undefined
  const fleet = new Fleet({
    url: opts.gateway,
    boxes,
    seed: opts.seed,
    connectConcurrency: opts.connectConcurrency,
    levels: SCALE_PRESETS[opts.levels].map((l) => l.id),
    clock: () => driver?.simNow() ?? startMs,
    log:
      opts.logLevel === 'silent'
        ? silentLogger()
        : createLogger(opts.logLevel).child({ area: 'simulator' }),
  })
  driver = new TrafficDriver({
    fleet,
    model,
    clock,
    presses: opts.presses,
    durationMs: opts.duration,
  })
  const progress = new Progress({
    fleet,
    prefix: () =>
      speed === 'max' ? 'max speed' : `sim ${simLabel(hours.timezone, driver!.simNow())} x${speed}`,
  })

  console.error(
    `simulating ${boxes.length} boxes against ${opts.gateway}` +
      (process.stdin.isTTY ? `\n${KEYS_HELP}` : ''),
  )
  let stopping = false
  let stoppingSince = 0
  const finish = () => {
    // npm forwards the terminal's Ctrl-C a few ms after we got it: only a later one means "now".
    if (stopping) {
      if (Date.now() - stoppingSince < 1000) return
      console.error('\nstopping at once')
      process.exit(130)
    }
    stopping = true
    stoppingSince = Date.now()
    driver!.stop()
  }
  process.on('SIGINT', finish)
  process.on('SIGTERM', finish)
  const stopKeys = listenForKeys(fleet, (t) => progress.note(t), finish)
  progress.start()
  try {
    await fleet.start({ waitConnected: false })
    await Promise.race([
      fleet
        .waitConnected(120_000)
        .catch((err) => progress.note(`warning: ${(err as Error).message}`)),
      driver.done,
    ])
    if (plan) fleet.faults.set(plan)
    if (!stopping) driver.start()
    await driver.done
    // The run is over: faults off, cut links back, then wait for every press to be acknowledged.
    fleet.faults.set({ linkFlap: null, kill: null })
    fleet.faults.restoreLinks()
    let drained = true
    await fleet.waitAllAcked({ timeoutMs: opts.drainTimeout }).catch((err) => {
      drained = false
      progress.note(`warning: ${(err as Error).message}`)
    })
    progress.draw()
    progress.stop()
    const summary = fleet.summary()
    const byCounter = groupBy(summary, (id) => file.counterOf(id))
    if (opts.json) {
      console.log(
        JSON.stringify(
          { gateway: opts.gateway, seed: opts.seed, ...summary, counters: byCounter },
          null,
          2,
        ),
      )
    } else {
      console.log(formatSummary(summary))
      if (file.registry.counters.length > 0)
        console.log(`\n${formatSummary(summary, byCounter, 'counter', false)}`)
    }
    if (!drained) process.exitCode = 1
  } finally {
    progress.stop()
    stopKeys()
    process.off('SIGINT', finish)
    process.off('SIGTERM', finish)
    await fleet.close()
  }
}
