/**
 * The live view's snapshot: per officer today (office time zone) the counts of each rating,
 * and per counter the officer on duty now, its boxes online/offline and the last press.
 * Repeats are left out of every count. The browser then applies each new press it receives
 * over server-sent events (live-hub.ts) to this snapshot.
 *
 * Queries the registry does not have live here, prepared through store/statements.ts.
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import type { Registry } from '../registry.ts'
import { Attributor } from '../attribution.ts'
import { startOfLocalDay, localTime } from '../local-time.ts'
import { DEFAULT_SCALE, type Rating, type RatingScale } from '../../protocol/index.ts'

/** Counted presses today per level of the deployment's scale (every level present, 0 when none). */
export type Counts = Partial<Record<Rating, number>>

export interface LiveOfficer {
  officerId: string | null
  name: string | null
  officeId: string | null
  counts: Counts
  lastPressAt: number | null
}

export interface LiveBox {
  id: string
  state: 'online' | 'offline'
  lastSeenAt: number | null
  lastPressAt: number | null
}

export interface LiveCounter {
  id: string
  name: string
  officeId: string
  officerId: string | null
  officerName: string | null
  boxes: LiveBox[]
  counts: Counts
  lastPressAt: number | null
}

export interface LiveSnapshot {
  now: number
  /** Local midnight that starts "today"; presses before it belong to earlier days. */
  dayStart: number
  dayEnd: number
  date: string
  timezone: string
  officeId: string | null
  /** Highest press id included: the browser applies only live presses above it. */
  lastPressId: number
  offices: Array<{ id: string; name: string }>
  officers: LiveOfficer[]
  counters: LiveCounter[]
  /** Presses of today received while the host clock was known bad (flagged, clock-guard.ts). */
  clockBadToday: number
  /** The deployment's levels, best first: the columns of the live view. */
  scale: RatingScale
}

export class LiveQuery {
  private readonly attributor: Attributor

  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly timezone: string,
    private readonly scale: RatingScale = DEFAULT_SCALE,
  ) {
    this.attributor = new Attributor(db, timezone)
  }

  snapshot(officeId: string | null, now: number): LiveSnapshot {
    const zero = (): Counts => Object.fromEntries(this.scale.map((l) => [l.id, 0]))
    const dayStart = startOfLocalDay(now, this.timezone)
    // The next local midnight: 25 h later snapped back to its day start (safe across DST).
    const dayEnd = startOfLocalDay(dayStart + 25 * 3600_000, this.timezone)
    const office = officeId ?? null
    // better-sqlite3 is synchronous: no press is committed between these queries.
    const lastPressId = (sql(this.db, 'SELECT coalesce(max(id), 0) AS id FROM presses').get() as { id: number }).id
    const offices = this.registry.offices().filter((o) => !office || o.id === office)

    const byOfficer = sql(
      this.db,
      `SELECT office_id, officer_id, rating, count(*) AS n, max(time_ms) AS last
           FROM presses
          WHERE time_ms >= ? AND time_ms < ? AND repeat = 0 AND (? IS NULL OR office_id = ?)
          GROUP BY office_id, officer_id, rating`,
    ).all(dayStart, dayEnd, office, office) as Array<{ office_id: string | null; officer_id: string | null; rating: Rating; n: number; last: number }>
    const byCounter = sql(
      this.db,
      `SELECT counter_id, rating, count(*) AS n, max(time_ms) AS last
           FROM presses
          WHERE time_ms >= ? AND time_ms < ? AND repeat = 0 AND counter_id IS NOT NULL AND (? IS NULL OR office_id = ?)
          GROUP BY counter_id, rating`,
    ).all(dayStart, dayEnd, office, office) as Array<{ counter_id: string; rating: Rating; n: number; last: number }>

    const clockBadToday = (
      sql(this.db, 'SELECT count(*) AS n FROM presses WHERE time_ms >= ? AND time_ms < ? AND clock_bad = 1 AND (? IS NULL OR office_id = ?)').get(dayStart, dayEnd, office, office) as { n: number }
    ).n

    const officerNames = new Map(this.registry.officers(office ?? undefined).map((o) => [o.id, o]))
    const officers = new Map<string, LiveOfficer>()
    const key = (officeId: string | null, officerId: string | null) => `${officeId ?? ''}\u0000${officerId ?? ''}`
    for (const o of officerNames.values()) {
      if (o.active) officers.set(key(o.officeId, o.id), { officerId: o.id, name: o.name, officeId: o.officeId, counts: zero(), lastPressAt: null })
    }
    for (const r of byOfficer) {
      const k = key(r.office_id, r.officer_id)
      let row = officers.get(k)
      if (!row) {
        const known = r.officer_id ? officerNames.get(r.officer_id) : undefined
        row = { officerId: r.officer_id, name: known?.name ?? null, officeId: r.office_id, counts: zero(), lastPressAt: null }
        officers.set(k, row)
      }
      if (r.rating in row.counts) row.counts[r.rating]! += r.n
      row.lastPressAt = Math.max(row.lastPressAt ?? 0, r.last)
    }

    const boxes = this.registry.boxes(office ?? undefined).filter((b) => b.retiredAt === null && b.counterId)
    const counters: LiveCounter[] = this.registry.counters(office ?? undefined).map((c) => {
      const officerId = this.attributor.officerAt(c.id, now)
      return {
        id: c.id,
        name: c.name,
        officeId: c.officeId,
        officerId,
        officerName: officerId ? (this.registry.officer(officerId)?.name ?? officerId) : null,
        boxes: boxes
          .filter((b) => b.counterId === c.id)
          .map((b) => ({ id: b.id, state: b.lastState === 'online' ? 'online' : 'offline', lastSeenAt: b.lastSeenAt, lastPressAt: b.lastPressAt })),
        counts: zero(),
        lastPressAt: null,
      }
    })
    const counterById = new Map(counters.map((c) => [c.id, c]))
    for (const r of byCounter) {
      const c = counterById.get(r.counter_id)
      if (!c) continue
      if (r.rating in c.counts) c.counts[r.rating]! += r.n
      c.lastPressAt = Math.max(c.lastPressAt ?? 0, r.last)
    }

    const sorted = [...officers.values()].sort(
      (a, b) =>
        (a.officeId ?? '~').localeCompare(b.officeId ?? '~') ||
        // Unattributed rows last within their office.
        (a.officerId === null ? 1 : 0) - (b.officerId === null ? 1 : 0) ||
        (a.name ?? a.officerId ?? '').localeCompare(b.name ?? b.officerId ?? '', 'vi'),
    )
    return {
      now,
      dayStart,
      dayEnd,
      date: localTime(now, this.timezone).date,
      timezone: this.timezone,
      officeId: office,
      lastPressId,
      offices,
      officers: sorted,
      counters,
      clockBadToday,
      scale: this.scale,
    }
  }
}
