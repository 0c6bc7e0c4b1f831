/**
 * Who gets the credit for a press: box -> counter (assignment history) -> officer on duty at
 * the press's time. An explicit duty session (sign-in, or the "nobody" left by a sign-out)
 * wins over the weekly shift schedule; no one on duty leaves the press unattributed.
 *
 * Every press needs this, so each box's last answer is cached with the span of time it holds
 * for: the part of the local hour around the press between the changes inside that hour (the
 * box moved; a duty session at its counter, or a shift there, started or ended). The span
 * matters when a box drains its queue after an outage: each queued press has a minute of its
 * own, and an answer cached per minute cost every press its lookups again. Sessions,
 * assignments and shifts change only through the registry, which calls `invalidate()` (the
 * gateway also invalidates when another process, such as the CLI, changes the registry:
 * store/registry-version.ts).
 */
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import { RegistryVersion } from './store/registry-version.ts'
import { localTime } from './local-time.ts'

export interface Attribution {
  officeId: string | null
  counterId: string | null
  officerId: string | null
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** [from, to) in epoch ms, and the same span in local minutes of one day (shift boundaries). */
interface Span {
  from: number
  to: number
  weekday: number
  fromMin: number
  toMin: number
}

export class Attributor {
  private readonly cache = new Map<string, { from: number; to: number; value: Attribution }>()
  private readonly registryVersion: RegistryVersion

  constructor(
    private readonly db: Db,
    private readonly timezone: string,
  ) {
    this.registryVersion = new RegistryVersion(db)
  }

  /** Forget cached answers (the registry changed). */
  invalidate(): void {
    this.cache.clear()
  }

  /**
   * Invalidates if another connection (the CLI, another tool) changed the registry since the
   * last check; returns true when it did. Cheap: one indexed read. The ingest calls it once
   * per group commit.
   */
  checkExternalChanges(): boolean {
    if (!this.registryVersion.changedElsewhere()) return false
    this.cache.clear()
    return true
  }

  attribute(boxId: string, timeMs: number): Attribution {
    const hit = this.cache.get(boxId)
    if (hit && timeMs >= hit.from && timeMs < hit.to) return hit.value
    const value = this.lookup(boxId, timeMs)
    const { from, to } = this.steadyPart(boxId, value.counterId, this.localHour(timeMs) ?? this.minute(timeMs), timeMs)
    this.cache.set(boxId, { from, to, value })
    return value
  }

  /**
   * The local hour around `timeMs`, or null where it is not 60 plain minutes of one local day
   * (the zone's offset changes inside it): then the minute.
   */
  private localHour(timeMs: number): Span | null {
    const lt = localTime(timeMs, this.timezone)
    const from = timeMs - (timeMs % MINUTE) - (lt.minute % 60) * MINUTE
    const first = localTime(from, this.timezone)
    const last = localTime(from + HOUR - 1, this.timezone)
    const fromMin = lt.minute - (lt.minute % 60)
    if (first.minute !== fromMin || last.minute !== fromMin + 59 || first.date !== lt.date || last.date !== lt.date) return null
    return { from, to: from + HOUR, weekday: lt.weekday, fromMin, toMin: fromMin + 60 }
  }

  private minute(timeMs: number): Span {
    const from = timeMs - (timeMs % MINUTE)
    const lt = localTime(from, this.timezone)
    return { from, to: from + MINUTE, weekday: lt.weekday, fromMin: lt.minute, toMin: lt.minute + 1 }
  }

  /**
   * The part of `span` around `timeMs` in which nothing that decides the answer changes: cut
   * at each change inside the span. A change at a time is seen by a lookup at or after it, so
   * the part may start at one.
   */
  private steadyPart(boxId: string, counterId: string | null, span: Span, timeMs: number): { from: number; to: number } {
    let { from, to } = span
    for (const at of this.changesWithin(boxId, counterId, span)) {
      if (at <= timeMs) from = Math.max(from, at)
      else to = Math.min(to, at)
    }
    return { from, to }
  }

  /** When, strictly inside the span, the box moves, or a session at its counter or a shift there starts or ends. */
  private changesWithin(boxId: string, counterId: string | null, span: Span): number[] {
    const { from, to } = span
    const changes = sql<unknown[], number>(
      this.db,
      `SELECT from_ms FROM box_assignments WHERE box_id = ? AND from_ms > ? AND from_ms < ?
       UNION ALL SELECT to_ms FROM box_assignments WHERE box_id = ? AND to_ms > ? AND to_ms < ?`,
      { pluck: true },
    ).all(boxId, from, to, boxId, from, to)
    // Unassigned all along: nobody's sessions or shifts matter.
    if (!counterId) return changes
    changes.push(
      ...sql<unknown[], number>(
        this.db,
        `SELECT start_ms FROM duty_sessions WHERE counter_id = ? AND start_ms > ? AND start_ms < ?
         UNION ALL SELECT end_ms FROM duty_sessions WHERE counter_id = ? AND end_ms > ? AND end_ms < ?`,
        { pluck: true },
      ).all(counterId, from, to, counterId, from, to),
    )
    // Shift boundaries are local minutes; the span is plain minutes of one day, so each maps to a time.
    const shifts = sql(
      this.db,
      'SELECT start_min, end_min FROM shifts WHERE counter_id = ? AND weekday = ? AND ((start_min > ? AND start_min < ?) OR (end_min > ? AND end_min < ?))',
    ).all(counterId, span.weekday, span.fromMin, span.toMin, span.fromMin, span.toMin) as Array<{ start_min: number; end_min: number }>
    for (const sh of shifts) {
      for (const m of [sh.start_min, sh.end_min]) if (m > span.fromMin && m < span.toMin) changes.push(span.from + (m - span.fromMin) * MINUTE)
    }
    return changes
  }

  private lookup(boxId: string, timeMs: number): Attribution {
    const assigned = sql(
      this.db,
      'SELECT counter_id FROM box_assignments WHERE box_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms DESC LIMIT 1',
    ).get(boxId, timeMs, timeMs) as { counter_id: string } | undefined
    const counterId = assigned?.counter_id ?? null
    if (!counterId) return { officeId: null, counterId: null, officerId: null }
    const officeId = (sql(this.db, 'SELECT office_id FROM counters WHERE id = ?').get(counterId) as { office_id: string } | undefined)?.office_id ?? null
    return { officeId, counterId, officerId: this.officerAt(counterId, timeMs) }
  }

  /** The officer on duty at a counter at `timeMs`, or null. */
  officerAt(counterId: string, timeMs: number): string | null {
    const session = sql(
      this.db,
      'SELECT officer_id FROM duty_sessions WHERE counter_id = ? AND start_ms <= ? AND (end_ms IS NULL OR end_ms > ?) ORDER BY start_ms DESC, id DESC LIMIT 1',
    ).get(counterId, timeMs, timeMs) as { officer_id: string | null } | undefined
    if (session) return session.officer_id
    const lt = localTime(timeMs, this.timezone)
    const shift = sql(
      this.db,
      'SELECT officer_id FROM shifts WHERE counter_id = ? AND weekday = ? AND start_min <= ? AND end_min > ? ORDER BY id DESC LIMIT 1',
    ).get(counterId, lt.weekday, lt.minute, lt.minute) as { officer_id: string } | undefined
    return shift?.officer_id ?? null
  }
}
