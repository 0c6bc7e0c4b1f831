/**
 * Watches the free space of the filesystem holding the data directory. Without storage
 * nothing is acknowledged (boxes keep their presses and resend), which is safe but silent:
 * the office finds out when citizens' presses stop appearing. So the free space and the WAL
 * size are in /api/health and /metrics, and falling below `storage.minFreeMB` is logged and
 * shown as low (the dashboard's alerts read `low()`).
 */
import { statfs } from 'node:fs/promises'
import type { Logger } from '../log.ts'
import type { MetricSample } from '../metrics.ts'
import type { CheckpointStats } from './checkpointer.ts'
import type { SystemAlert } from '../alerts/conditions.ts'

const CHECK_EVERY_MS = 10_000

export class DiskSpace {
  readonly name = 'disk'
  private freeBytes: number | null = null
  private totalBytes: number | null = null
  private timer?: NodeJS.Timeout
  private wasLow = false

  constructor(private readonly deps: { dir: string; minFreeBytes: number; log: Logger; checkpoints?: CheckpointStats; intervalMs?: number }) {}

  async start(): Promise<void> {
    await this.check()
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs ?? CHECK_EVERY_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  low(): boolean {
    return this.freeBytes !== null && this.freeBytes < this.deps.minFreeBytes
  }

  async check(): Promise<void> {
    try {
      const s = await statfs(this.deps.dir)
      // bavail: what an unprivileged user (the service) may still use.
      this.freeBytes = s.bavail * s.bsize
      this.totalBytes = s.blocks * s.bsize
    } catch (err) {
      this.deps.log.warn({ err, dir: this.deps.dir }, 'cannot read free disk space')
      return
    }
    const low = this.low()
    if (low && !this.wasLow) {
      this.deps.log.error(
        { freeMB: Math.round(this.freeBytes! / 1048576), minFreeMB: Math.round(this.deps.minFreeBytes / 1048576), dir: this.deps.dir },
        'disk space is low: when it runs out, presses are no longer acknowledged (boxes keep them and resend); free space or move the data directory',
      )
    } else if (!low && this.wasLow) {
      this.deps.log.info({ freeMB: Math.round(this.freeBytes! / 1048576) }, 'disk space is sufficient again')
    }
    this.wasLow = low
  }

  /** Low free space, for the dashboard's alerts. */
  alerts(): SystemAlert[] {
    if (!this.low()) return []
    return [{ kind: 'system', officeId: null, condition: 'diskLow', freeMB: Math.round(this.freeBytes! / 1048576), minFreeMB: Math.round(this.deps.minFreeBytes / 1048576) }]
  }

  status(): unknown {
    return {
      ok: !this.low(),
      freeMB: this.freeBytes === null ? null : Math.round(this.freeBytes / 1048576),
      totalMB: this.totalBytes === null ? null : Math.round(this.totalBytes / 1048576),
      minFreeMB: Math.round(this.deps.minFreeBytes / 1048576),
      walMB: this.deps.checkpoints ? +(this.deps.checkpoints.walBytes / 1048576).toFixed(1) : null,
    }
  }

  metrics(): MetricSample[] {
    const out: MetricSample[] = [
      { name: 'chamdiem_disk_free_bytes', help: 'Free bytes on the filesystem of the data directory', type: 'gauge', value: this.freeBytes ?? -1 },
      { name: 'chamdiem_disk_low', help: '1 when free space is below storage.minFreeMB', type: 'gauge', value: this.low() ? 1 : 0 },
    ]
    if (this.deps.checkpoints) {
      out.push(
        { name: 'chamdiem_wal_bytes', help: 'Size of the SQLite write-ahead log file', type: 'gauge', value: this.deps.checkpoints.walBytes },
        { name: 'chamdiem_wal_truncations_total', help: 'TRUNCATE checkpoints run because the WAL passed storage.walMaxMB', type: 'counter', value: this.deps.checkpoints.truncations },
      )
    }
    return out
  }
}
