/**
 * Which boxes' config a change concerns, so the config publisher recomputes those and not
 * every box (one sign-in at 10,000 boxes was ~50k SQLite reads). Two questions: the boxes
 * standing at a counter now, and the boxes whose config may change by time alone between
 * two instants (a shift starts or ends, a dated duty session or box move takes effect).
 */
import type { Statement } from 'better-sqlite3'
import { sql } from './store/statements.ts'
import type { Db } from './store/database.ts'
import { localTime } from './local-time.ts'

const MINUTE = 60_000
/** Longer than this between two sweeps (a suspended host): recompute every box instead. */
const MAX_SWEEP_SPAN_MS = 10 * MINUTE

export class ConfigScope {
  private readonly atCounter: Statement
  private readonly active: Statement
  private readonly shiftEdges: Statement
  private readonly sessionEdges: Statement
  private readonly assignmentEdges: Statement

  constructor(
    db: Db,
    private readonly timezone: string,
  ) {
    this.atCounter = sql(db, `SELECT a.box_id FROM box_assignments a JOIN boxes b ON b.id = a.box_id
          WHERE a.counter_id = ? AND a.from_ms <= ? AND (a.to_ms IS NULL OR a.to_ms > ?) AND b.retired_at IS NULL`, { pluck: true })
    this.active = sql(db, 'SELECT 1 FROM boxes WHERE id = ? AND retired_at IS NULL', { pluck: true })
    // A shift [start_min, end_min) starts or ends at local minute `minute` of `weekday`; a shift
    // ending at 24:00 ends at minute 0 of the next day.
    this.shiftEdges = sql(db, `SELECT DISTINCT counter_id FROM shifts
          WHERE (weekday = @weekday AND (start_min = @minute OR end_min = @minute))
             OR (@minute = 0 AND weekday = @previous AND end_min = 1440)`, { pluck: true })
    this.sessionEdges = sql(db, 'SELECT DISTINCT counter_id FROM duty_sessions WHERE (start_ms > ? AND start_ms <= ?) OR (end_ms > ? AND end_ms <= ?)', { pluck: true })
    this.assignmentEdges = sql(db, 'SELECT DISTINCT box_id FROM box_assignments WHERE (from_ms > ? AND from_ms <= ?) OR (to_ms > ? AND to_ms <= ?)', { pluck: true })
  }

  /** The boxes (not retired) standing at `counterId` at `at`. */
  boxesAt(counterId: string, at: number): string[] {
    return this.atCounter.all(counterId, at, at) as string[]
  }

  isActive(boxId: string): boolean {
    return !!this.active.get(boxId)
  }

  /**
   * The boxes whose config may differ at `to` from what it was at `from` with no registry
   * change in between: at counters where a shift or a duty session starts or ends in
   * (from, to], and boxes moved in that span. Null when the span is too long to look at
   * minute by minute, or the clock went back: then every box needs a look.
   */
  changedBetween(from: number, to: number): string[] | null {
    if (to < from || to - from > MAX_SWEEP_SPAN_MS) return null
    const counters = new Set(this.sessionEdges.all(from, to, from, to) as string[])
    // Shifts are whole local minutes: look at each minute that began in (from, to].
    for (let m = Math.floor(from / MINUTE) * MINUTE + MINUTE; m <= to; m += MINUTE) {
      const { weekday, minute } = localTime(m, this.timezone)
      for (const c of this.shiftEdges.all({ weekday, minute, previous: weekday === 1 ? 7 : weekday - 1 }) as string[]) counters.add(c)
    }
    const boxes = new Set(this.assignmentEdges.all(from, to, from, to) as string[])
    for (const c of counters) for (const b of this.boxesAt(c, to)) boxes.add(b)
    return [...boxes]
  }
}
