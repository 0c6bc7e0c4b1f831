/**
 * Who gets the credit for a press: box -> counter (assignment history) -> officer on duty at
 * the press's time. An explicit duty session (sign-in, or the "nobody" left by a sign-out)
 * wins over the weekly shift schedule; no one on duty leaves the press unattributed.
 *
 * Every press needs this, so answers are cached per box and minute: shifts are whole minutes,
 * and sessions and assignments change only through the registry, which calls `invalidate()`
 * (the gateway also invalidates when another process, such as the CLI, changes the registry:
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

export class Attributor {
  private readonly cache = new Map<string, { minute: number; value: Attribution }>()
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
    const minute = Math.floor(timeMs / MINUTE)
    const hit = this.cache.get(boxId)
    if (hit && hit.minute === minute) return hit.value
    const value = this.lookup(boxId, timeMs)
    const start = minute * MINUTE
    // Cache only minutes in which nothing changes part-way (sign-ins happen at any second).
    if (!this.sessionChangesWithin(start) && !this.assignmentChangesWithin(boxId, start)) {
      this.cache.set(boxId, { minute, value })
    }
    return value
  }

  /** Does any session start or end strictly inside this minute? Then the minute is not cacheable. */
  private sessionChangesWithin(start: number): boolean {
    return !!sql(
      this.db,
      'SELECT 1 FROM duty_sessions WHERE (start_ms > ? AND start_ms < ?) OR (end_ms > ? AND end_ms < ?) LIMIT 1',
    ).get(start, start + MINUTE, start, start + MINUTE)
  }

  private assignmentChangesWithin(boxId: string, start: number): boolean {
    return !!sql(
      this.db,
      'SELECT 1 FROM box_assignments WHERE box_id = ? AND ((from_ms > ? AND from_ms < ?) OR (to_ms > ? AND to_ms < ?)) LIMIT 1',
    ).get(boxId, start, start + MINUTE, start, start + MINUTE)
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
