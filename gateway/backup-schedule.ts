/**
 * The daily backup (config `backup:`): at `backup.at` local time, `chamdiem backup` runs as a
 * child process — its own SQLite connection, off the gateway's event loop, so boxes keep
 * being acknowledged while the copy is made — and keeps the newest `backup.keep` files. The
 * last result is in /api/health and /metrics, so a backup that silently stopped working is
 * seen long before it is needed.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Part } from './gateway.ts'
import type { GatewayConfig } from './config.ts'
import type { Clock } from './clock.ts'
import type { Logger } from './log.ts'
import type { MetricSample } from './metrics.ts'
import type { SystemAlert } from './alerts/conditions.ts'
import { parseHhMm, startOfLocalDay } from './local-time.ts'
import { backupsDir } from './store/data-dir.ts'

// The package's bin, one folder up from here in a checkout (gateway/), two in the compiled
// package (dist/gateway/).
const CLI = ['../bin/chamdiem.js', '../../bin/chamdiem.js']
  .map((p) => fileURLToPath(new URL(p, import.meta.url)))
  .find((p) => existsSync(p))!

export interface BackupRun {
  at: number
  ok: boolean
  /** The CLI's one-line answer: the file and its figures, or the reason it failed. */
  message: string
  ms: number
}

export class BackupSchedule implements Part {
  readonly name = 'backup'
  private timer?: NodeJS.Timeout
  private last: BackupRun | null = null
  private lastSuccessAt: number | null = null
  private failures = 0
  private nextAt = 0
  private running: Promise<BackupRun> | null = null

  constructor(private readonly deps: { config: GatewayConfig; log: Logger; now: Clock }) {}

  start(): void {
    this.schedule()
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    // A backup under way finishes (the child process holds only a read transaction).
    await this.running
  }

  /** Takes a backup now (also what the timer does). Never throws: the result says. */
  runNow(): Promise<BackupRun> {
    this.running ??= this.backup().finally(() => (this.running = null))
    return this.running
  }

  /** The last scheduled backup failed, for the dashboard's alerts. */
  alerts(): SystemAlert[] {
    const last = this.last
    return last && !last.ok ? [{ kind: 'system', officeId: null, condition: 'backupFailed', at: last.at, message: last.message }] : []
  }

  status(): unknown {
    return { dir: this.dir, keep: this.deps.config.backup.keep, nextAt: new Date(this.nextAt).toISOString(), last: this.last }
  }

  metrics(): MetricSample[] {
    return [
      { name: 'chamdiem_backup_last_success_timestamp_seconds', help: 'When the last scheduled backup succeeded (0 = never since start)', type: 'gauge', value: (this.lastSuccessAt ?? 0) / 1000 },
      { name: 'chamdiem_backup_last_ok', help: '1 when the last scheduled backup succeeded, 0 when it failed, -1 before the first', type: 'gauge', value: this.last ? (this.last.ok ? 1 : 0) : -1 },
      { name: 'chamdiem_backup_failures_total', help: 'Scheduled backups that failed since start', type: 'counter', value: this.failures },
    ]
  }

  private get dir(): string {
    return this.deps.config.backup.dir ?? backupsDir(this.deps.config.dataDir)
  }

  /** The next local `backup.at` after now (DST-safe: computed from the local day's start). */
  private nextRun(now: number): number {
    const { timezone, backup } = this.deps.config
    const minute = parseHhMm(backup.at)
    let day = startOfLocalDay(now, timezone)
    for (let i = 0; i < 3; i++) {
      const at = day + minute * 60_000
      if (at > now) return at
      day = startOfLocalDay(day + 25 * 3600_000, timezone)
    }
    return now + 86_400_000
  }

  private schedule(): void {
    const now = this.deps.now()
    this.nextAt = this.nextRun(now)
    // Timers cannot wait longer than ~24.8 days; a day is far below that.
    this.timer = setTimeout(() => {
      void this.runNow().then(() => this.timer && this.schedule())
    }, this.nextAt - now)
    this.timer.unref()
  }

  private backup(): Promise<BackupRun> {
    const { config, log, now } = this.deps
    const startedAt = now()
    const args = [CLI, 'backup', '--data-dir', config.dataDir, '--to', this.dir, '--keep', String(config.backup.keep), '--label', 'daily']
    return new Promise((resolve) => {
      execFile(process.execPath, args, { timeout: 3600_000 }, (err, stdout, stderr) => {
        const run: BackupRun = {
          at: startedAt,
          ok: !err,
          message: (err ? stderr.trim() || err.message : stdout.trim()).split('\n').pop() ?? '',
          ms: now() - startedAt,
        }
        this.last = run
        if (run.ok) {
          this.lastSuccessAt = startedAt
          log.info({ result: run.message }, 'daily backup done')
        } else {
          this.failures++
          log.error({ reason: run.message }, 'daily backup failed')
        }
        resolve(run)
      })
    })
  }
}
