/**
 * The clock guard. Boxes have no clock: the gateway's clock decides the day, the shift and
 * the officer of every press. A Raspberry Pi has no RTC and boots with a stale time until NTP
 * syncs; a mis-set clock credits presses to the wrong officer. The guard says, in
 * /api/health, /metrics and the dashboard's alerts:
 * - whether the host clock is synchronised, as Debian's time services report it
 *   (systemd-timesyncd, chrony, ntpd; "unknown" when none answers);
 * - whether the clock went backwards: at start, behind the newest stored press or the last
 *   time this gateway ran; while running, wall time stepping against the monotonic clock.
 * `bad()` is true while the clock is known wrong; what ingest does then is its business.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Clock } from './clock.ts'
import { fsyncPath } from './store/backup.ts'
import type { Logger } from './log.ts'
import type { MetricSample } from './metrics.ts'
import type { SystemAlert } from './alerts/conditions.ts'

export type SyncSource = 'timesyncd' | 'chrony' | 'ntpd' | 'timedatectl'
export interface SyncState {
  synchronised: boolean | null
  source: SyncSource | null
  detail?: string
}
export interface ClockStep {
  at: number
  /** Negative: went backwards. */
  byMs: number
  against: 'last stored press' | 'last run' | 'monotonic clock'
}

/** Steps smaller than this are NTP slewing or timer jitter, not a wrong clock. */
const STEP_TOLERANCE_MS = 2_000
const CHECK_EVERY_MS = 5_000
const SYNC_EVERY_MS = 60_000
const MARK_FILE = 'clock-last-seen'

export interface ClockGuardDeps {
  dataDir: string
  now: Clock
  log: Logger
  /** Newest received_at in the store, or null. */
  lastStoredAt: () => number | null
  /** How to ask the host; tests give a fixed answer where no time service runs. */
  readSync?: () => Promise<SyncState>
  /** Monotonic milliseconds (tests step it). */
  monotonic?: () => number
}

export class ClockGuard {
  readonly name = 'clock'
  private sync: SyncState = { synchronised: null, source: null }
  private lastStep: ClockStep | null = null
  private backwardsSteps = 0
  private timer?: NodeJS.Timeout
  private syncTimer?: NodeJS.Timeout
  private base = { wall: 0, mono: 0 }

  constructor(private readonly deps: ClockGuardDeps) {}

  private get mono(): number {
    return this.deps.monotonic ? this.deps.monotonic() : performance.now()
  }

  async start(): Promise<void> {
    const now = this.deps.now()
    const stored = this.deps.lastStoredAt()
    const lastRun = this.readMark()
    if (stored !== null && now < stored - STEP_TOLERANCE_MS) this.step({ at: now, byMs: now - stored, against: 'last stored press' })
    else if (lastRun !== null && now < lastRun - STEP_TOLERANCE_MS) this.step({ at: now, byMs: now - lastRun, against: 'last run' })
    this.base = { wall: now, mono: this.mono }
    await this.refreshSync()
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS)
    this.timer.unref()
    this.syncTimer = setInterval(() => void this.refreshSync(), SYNC_EVERY_MS)
    this.syncTimer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    clearInterval(this.syncTimer)
    this.writeMark()
  }

  /** True while the clock is known wrong: not synchronised, or it stepped backwards lately. */
  bad(): boolean {
    return this.sync.synchronised === false || this.lastStep !== null
  }

  /** Wall time against the monotonic clock since the last check: a step is a wrong clock. */
  check(): void {
    const wall = this.deps.now()
    const mono = this.mono
    const drift = wall - this.base.wall - (mono - this.base.mono)
    this.base = { wall, mono }
    if (Math.abs(drift) > STEP_TOLERANCE_MS) this.step({ at: wall, byMs: Math.round(drift), against: 'monotonic clock' })
    this.writeMark()
  }

  /** An operator who fixed the clock says so (dashboard or API); the alert clears. */
  acknowledgeStep(): void {
    this.lastStep = null
  }

  /** What the dashboard's alerts show of the clock: not synchronised, or stepped lately. */
  alerts(): SystemAlert[] {
    const out: SystemAlert[] = []
    if (this.sync.synchronised === false) out.push({ kind: 'system', officeId: null, condition: 'clockUnsynced', source: this.sync.source })
    if (this.lastStep) out.push({ kind: 'system', officeId: null, condition: 'clockStepped', byMs: this.lastStep.byMs, against: this.lastStep.against, at: this.lastStep.at })
    return out
  }

  status(): unknown {
    return { ok: !this.bad(), ...this.sync, lastStep: this.lastStep && { ...this.lastStep, at: new Date(this.lastStep.at).toISOString() } }
  }

  metrics(): MetricSample[] {
    const s = this.sync.synchronised
    return [
      { name: 'chamdiem_clock_synchronised', help: 'Host clock synchronised: 1 yes, 0 no, -1 unknown (no time service answered)', type: 'gauge', value: s === null ? -1 : s ? 1 : 0 },
      { name: 'chamdiem_clock_backwards_total', help: 'Times the clock was seen going backwards (at start or while running)', type: 'counter', value: this.backwardsSteps },
      { name: 'chamdiem_clock_ok', help: '1 unless the clock is known wrong (unsynchronised or stepped)', type: 'gauge', value: this.bad() ? 0 : 1 },
    ]
  }

  private step(step: ClockStep): void {
    this.lastStep = step
    if (step.byMs < 0) this.backwardsSteps++
    this.deps.log.warn(
      { byMs: step.byMs, against: step.against },
      `the clock ${step.byMs < 0 ? 'went backwards' : 'jumped forward'} by ${Math.abs(Math.round(step.byMs / 1000))} s against the ${step.against}: presses are dated and attributed by this clock`,
    )
  }

  private async refreshSync(): Promise<void> {
    const before = this.sync.synchronised
    try {
      this.sync = await (this.deps.readSync ?? readHostSync)()
    } catch (err) {
      this.sync = { synchronised: null, source: null, detail: (err as Error).message }
    }
    if (this.sync.synchronised === false && before !== false) {
      this.deps.log.warn({ source: this.sync.source }, 'the host clock is not synchronised (NTP): press times and shifts may be wrong')
    }
  }

  private readMark(): number | null {
    const file = join(this.deps.dataDir, MARK_FILE)
    if (!existsSync(file)) return null
    const t = Number(readFileSync(file, 'utf8').trim())
    return Number.isFinite(t) ? t : null
  }

  private writeMark(): void {
    try {
      const now = this.deps.now()
      // Never move the mark back: a clock that went backwards must not hide it next start.
      if ((this.readMark() ?? 0) >= now) return
      // Written aside, fsynced and renamed in: the mark must outlive a power cut (the moment a
      // Pi without a clock battery comes back with a stale time), and never be read half-written.
      const file = join(this.deps.dataDir, MARK_FILE)
      writeFileSync(`${file}.tmp`, `${now}\n`)
      fsyncPath(`${file}.tmp`)
      renameSync(`${file}.tmp`, file)
      fsyncPath(this.deps.dataDir)
    } catch (err) {
      this.deps.log.warn({ err }, 'could not record the clock mark')
    }
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string } | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000 }, (err, stdout) => {
      const code = (err as NodeJS.ErrnoException | null)?.code
      if (code === 'ENOENT') return resolve(null) // not installed
      resolve({ code: typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : err ? 1 : 0, stdout })
    })
  })
}

/** Asks the time services Debian provides, in the order a host is likely to run them. */
export async function readHostSync(): Promise<SyncState> {
  // systemd-timesyncd (Debian's default) touches this file once it has synchronised.
  if (existsSync('/run/systemd/timesync')) {
    return { synchronised: existsSync('/run/systemd/timesync/synchronized'), source: 'timesyncd' }
  }
  const chrony = await run('chronyc', ['-n', 'tracking'])
  if (chrony && chrony.code === 0) return parseChronyTracking(chrony.stdout)
  const ntpstat = await run('ntpstat', [])
  if (ntpstat && ntpstat.code !== 2) return { synchronised: ntpstat.code === 0, source: 'ntpd', detail: ntpstat.stdout.split('\n')[0] }
  const timedatectl = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'])
  if (timedatectl && timedatectl.code === 0) return parseTimedatectl(timedatectl.stdout)
  return { synchronised: null, source: null, detail: 'no time service answered (systemd-timesyncd, chrony, ntpd)' }
}

/** `chronyc -n tracking`: "Leap status : Normal" once synchronised, "Not synchronised" before. */
export function parseChronyTracking(text: string): SyncState {
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(text)?.[1].trim()
  if (!leap) return { synchronised: null, source: 'chrony', detail: 'no leap status in chronyc tracking' }
  return { synchronised: leap !== 'Not synchronised', source: 'chrony', detail: `leap status ${leap}` }
}

export function parseTimedatectl(text: string): SyncState {
  const v = text.trim()
  return { synchronised: v === 'yes' ? true : v === 'no' ? false : null, source: 'timedatectl' }
}
