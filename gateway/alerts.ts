/**
 * Alerts an office head should act on (DESIGN.md, "Alerts"):
 *  - frowns: at a counter, the share of frowns over the last `frownWindowMin` minutes is above
 *    `frownShare` (with at least `frownMinCount` ratings, so two frowns out of three is not an
 *    alarm);
 *  - boxOffline: a box standing at a counter is offline (or never connected) during office
 *    hours, so citizens there cannot rate;
 *  - rejected: messages from a box that could not be counted in the last `rejectedWindowMin`;
 *  - burst: presses of a box beyond a human rate (ingest.burst) in the last `rejectedWindowMin`,
 *    naming the box, the counter and the officer they would have been counted against.
 * Evaluated from SQLite on demand, again shortly after each relevant event, and every 15 s
 * (windows slide and office hours begin without any event). Listeners get the full list
 * whenever it changes.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import type { GatewayBus } from './events.ts'
import type { Logger } from './log.ts'
import { localTime, parseHhMm } from './local-time.ts'

export const AlertSettingsSchema = Type.Object(
  {
    frownWindowMin: Type.Integer({ minimum: 5, maximum: 1440, default: 60, description: 'Window of the frown share, minutes' }),
    frownShare: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: 'Alert above this share of frowns (0..1)' }),
    frownMinCount: Type.Integer({ minimum: 1, maximum: 10000, default: 5, description: 'Fewest ratings in the window before the share counts' }),
    officeDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { default: [1, 2, 3, 4, 5], description: 'ISO weekdays the office is open' }),
    officeFrom: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:30', description: 'Office opens, local HH:MM' }),
    officeTo: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', default: '17:00', description: 'Office closes, local HH:MM' }),
    rejectedWindowMin: Type.Integer({ minimum: 1, maximum: 10080, default: 1440, description: 'Rejected messages younger than this are shown, minutes' }),
  },
  { additionalProperties: false },
)
export type AlertSettings = Static<typeof AlertSettingsSchema>

export type Alert =
  | { kind: 'frowns'; officeId: string; counterId: string; negative: number; total: number; share: number; windowMin: number }
  | { kind: 'boxOffline'; officeId: string; counterId: string; boxId: string; lastSeenAt: number | null }
  | { kind: 'rejected'; officeId: string | null; boxId: string | null; count: number; lastAt: number; lastReason: string }
  | { kind: 'burst'; officeId: string | null; boxId: string; counterId: string | null; officerId: string | null; count: number; lastAt: number }
  | SystemAlert

/**
 * A condition of the gateway itself that puts every office's figures at risk: shown to every
 * dashboard (officeId null), computed by the gateway's parts (clock guard, disk, backup).
 */
export type SystemAlert =
  | { kind: 'system'; officeId: null; condition: 'clockUnsynced'; source: string | null }
  | { kind: 'system'; officeId: null; condition: 'clockStepped'; byMs: number; against: string; at: number }
  | { kind: 'system'; officeId: null; condition: 'diskLow'; freeMB: number; minFreeMB: number }
  | { kind: 'system'; officeId: null; condition: 'backupFailed'; at: number; message: string }

const EVALUATE_EVERY_MS = 15_000
const AFTER_EVENT_MS = 300

export class Alerts {
  private timer: NodeJS.Timeout | undefined
  private soon: NodeJS.Timeout | undefined
  private last = '[]'
  private current: Alert[] = []
  private readonly unsubscribe: Array<() => void> = []
  private readonly listeners = new Set<(alerts: Alert[]) => void>()

  constructor(
    private readonly deps: { db: Db; bus: GatewayBus; timezone: string; log: Logger; now?: () => number; system?: () => SystemAlert[] },
  ) {}

  start(): void {
    const { bus } = this.deps
    this.unsubscribe.push(
      bus.on('press', 'alerts', (p) => {
        if ((p.rating === 'negative' && !p.repeat) || p.burst) this.evaluateSoon()
      }),
      bus.on('boxStatus', 'alerts', () => this.evaluateSoon()),
      bus.on('rejected', 'alerts', () => this.evaluateSoon()),
      bus.on('registryChanged', 'alerts', () => this.evaluateSoon()),
    )
    this.refresh()
    this.timer = setInterval(() => this.refresh(), EVALUATE_EVERY_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    clearTimeout(this.soon)
    this.timer = this.soon = undefined
    for (const u of this.unsubscribe.splice(0)) u()
    this.listeners.clear()
  }

  /** Called with the whole list whenever it changes. Returns an unsubscribe function. */
  onChange(fn: (alerts: Alert[]) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** The alerts as of the last evaluation (within AFTER_EVENT_MS of an event). */
  list(officeId: string | null = null): Alert[] {
    return officeId ? this.current.filter((a) => a.officeId === officeId) : this.current
  }

  settings(): AlertSettings {
    const row = sql(this.deps.db, "SELECT value FROM dashboard_settings WHERE key = 'alerts'").get() as { value: string } | undefined
    const stored = row ? (JSON.parse(row.value) as unknown) : {}
    const merged = Value.Default(AlertSettingsSchema, Value.Clean(AlertSettingsSchema, structuredClone(stored))) as AlertSettings
    return Value.Check(AlertSettingsSchema, merged) ? merged : (Value.Default(AlertSettingsSchema, {}) as AlertSettings)
  }

  saveSettings(settings: AlertSettings): AlertSettings {
    const value = this.now()
    sql(this.deps.db, "INSERT INTO dashboard_settings (key, value, updated_at) VALUES ('alerts', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(JSON.stringify(settings), value)
    this.refresh()
    return this.settings()
  }

  /** Re-evaluates now and tells the listeners if anything changed. */
  refresh(): Alert[] {
    try {
      const alerts = this.evaluate(this.now())
      const json = JSON.stringify(alerts)
      this.current = alerts
      if (json !== this.last) {
        this.last = json
        for (const fn of this.listeners) fn(alerts)
      }
    } catch (err) {
      this.deps.log.error({ err }, 'alert evaluation failed')
    }
    return this.current
  }

  evaluate(now: number): Alert[] {
    const s = this.settings()
    return [...(this.deps.system?.() ?? []), ...this.frowns(now, s), ...this.offlineBoxes(now, s), ...this.rejected(now, s), ...this.bursts(now, s)]
  }

  private frowns(now: number, s: AlertSettings): Alert[] {
    const rows = sql(
      this.deps.db,
      `SELECT office_id, counter_id, SUM(rating = 'negative') AS negative, count(*) AS total
           FROM presses
          WHERE time_ms > ? AND time_ms <= ? AND repeat = 0 AND counter_id IS NOT NULL
          GROUP BY office_id, counter_id`,
    ).all(now - s.frownWindowMin * 60_000, now) as Array<{ office_id: string; counter_id: string; negative: number; total: number }>
    return rows
      .filter((r) => r.total >= s.frownMinCount && r.negative / r.total > s.frownShare)
      .map((r) => ({
        kind: 'frowns' as const,
        officeId: r.office_id,
        counterId: r.counter_id,
        negative: r.negative,
        total: r.total,
        share: r.negative / r.total,
        windowMin: s.frownWindowMin,
      }))
  }

  private offlineBoxes(now: number, s: AlertSettings): Alert[] {
    const lt = localTime(now, this.deps.timezone)
    const open = s.officeDays.includes(lt.weekday) && lt.minute >= parseHhMm(s.officeFrom) && lt.minute < parseHhMm(s.officeTo)
    if (!open) return []
    const rows = sql(
      this.deps.db,
      `SELECT b.id, b.last_seen_at, c.id AS counter_id, c.office_id
           FROM boxes b
           JOIN box_assignments a ON a.box_id = b.id AND a.to_ms IS NULL
           JOIN counters c ON c.id = a.counter_id
          WHERE b.retired_at IS NULL AND (b.last_state IS NULL OR b.last_state != 'online')
          ORDER BY c.office_id, c.id, b.id`,
    ).all() as Array<{ id: string; last_seen_at: number | null; counter_id: string; office_id: string }>
    return rows.map((r) => ({ kind: 'boxOffline' as const, officeId: r.office_id, counterId: r.counter_id, boxId: r.id, lastSeenAt: r.last_seen_at }))
  }

  private rejected(now: number, s: AlertSettings): Alert[] {
    const rows = sql(
      this.deps.db,
      `SELECT r.box_id, count(*) AS n, max(r.received_at) AS last_at,
                (SELECT reason FROM rejected x WHERE x.box_id IS r.box_id ORDER BY x.received_at DESC, x.id DESC LIMIT 1) AS last_reason,
                (SELECT c.office_id FROM box_assignments a JOIN counters c ON c.id = a.counter_id
                  WHERE a.box_id = r.box_id ORDER BY a.to_ms IS NULL DESC, a.from_ms DESC LIMIT 1) AS office_id
           FROM rejected r
          WHERE r.received_at > ?
          GROUP BY r.box_id
          ORDER BY last_at DESC`,
    ).all(now - s.rejectedWindowMin * 60_000) as Array<{ box_id: string | null; n: number; last_at: number; last_reason: string; office_id: string | null }>
    return rows.map((r) => ({ kind: 'rejected' as const, officeId: r.office_id, boxId: r.box_id, count: r.n, lastAt: r.last_at, lastReason: r.last_reason }))
  }

  private bursts(now: number, s: AlertSettings): Alert[] {
    const rows = sql(
      this.deps.db,
      `SELECT box_id, office_id, counter_id, officer_id, count(*) AS n, max(received_at) AS last_at
           FROM presses
          WHERE time_ms > ? AND burst = 1
          GROUP BY box_id, office_id, counter_id, officer_id
          ORDER BY last_at DESC`,
    ).all(now - s.rejectedWindowMin * 60_000) as Array<{ box_id: string; office_id: string | null; counter_id: string | null; officer_id: string | null; n: number; last_at: number }>
    return rows.map((r) => ({ kind: 'burst' as const, officeId: r.office_id, boxId: r.box_id, counterId: r.counter_id, officerId: r.officer_id, count: r.n, lastAt: r.last_at }))
  }

  private evaluateSoon(): void {
    if (this.soon) return
    this.soon = setTimeout(() => {
      this.soon = undefined
      this.refresh()
    }, AFTER_EVENT_MS)
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }
}
