/**
 * What /metrics reports of the store: presses by rating (repeats apart), rejected messages and
 * provisioned boxes by last known state. The totals are counted in the database at the first
 * scrape, then kept by the bus: no full table scan per scrape. Every rating and repeat label
 * pair is reported, with 0 until it happens, so a dashboard's rate() has a series from the start.
 */
import { RATINGS } from '../../protocol/index.ts'
import type { GatewayBus } from '../events.ts'
import type { MetricSample } from '../metrics.ts'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

const key = (rating: string, repeat: boolean) => `${rating}|${repeat}`

export class StoreMetrics {
  private seeded = false
  private readonly presses = new Map<string, number>()
  private rejected = 0
  private unsubscribe: Array<() => void> = []

  constructor(private readonly deps: { db: Db; bus: GatewayBus }) {}

  start(): void {
    this.unsubscribe = [
      this.deps.bus.on('press', 'metrics', (p) => {
        if (this.seeded) this.presses.set(key(p.rating, p.repeat), (this.presses.get(key(p.rating, p.repeat)) ?? 0) + 1)
      }),
      this.deps.bus.on('rejected', 'metrics', () => {
        if (this.seeded) this.rejected++
      }),
    ]
  }

  stop(): void {
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
  }

  samples(): MetricSample[] {
    this.seed()
    const boxes = sql<[], { state: string; n: number }>(
      this.deps.db,
      "SELECT coalesce(last_state, 'offline') AS state, count(*) AS n FROM boxes WHERE retired_at IS NULL GROUP BY 1",
    ).all()
    return [
      ...RATINGS.flatMap((rating) =>
        [false, true].map((repeat) => ({
          name: 'chamdiem_presses_total',
          help: 'Presses stored, by rating; repeat="true" are left out of counts',
          type: 'counter' as const,
          labels: { rating, repeat: String(repeat) },
          value: this.presses.get(key(rating, repeat)) ?? 0,
        })),
      ),
      { name: 'chamdiem_rejected_total', help: 'Messages that could not be counted', type: 'counter', value: this.rejected },
      ...['online', 'offline'].map((state) => ({
        name: 'chamdiem_boxes',
        help: 'Provisioned boxes by last known state',
        type: 'gauge' as const,
        labels: { state },
        value: boxes.find((b) => b.state === state)?.n ?? 0,
      })),
    ]
  }

  private seed(): void {
    if (this.seeded) return
    this.seeded = true
    const rows = sql<[], { rating: string; repeat: number; n: number }>(
      this.deps.db,
      'SELECT rating, repeat, count(*) AS n FROM presses GROUP BY rating, repeat',
    ).all()
    for (const r of rows) this.presses.set(key(r.rating, r.repeat === 1), r.n)
    this.rejected = sql<[], { n: number }>(this.deps.db, 'SELECT count(*) AS n FROM rejected').get()!.n
  }
}
