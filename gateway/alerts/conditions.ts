/**
 * What is wrong right now, read from SQLite (DESIGN.md, "Alerts"). Each condition names what
 * it is about (counter, box, officer) and carries its figures, so a head can judge it without
 * opening a report:
 *  - frowns: at a counter, the share of frowns over the last `frownWindowMin` minutes is above
 *    `frownShare`, with at least `frownMinCount` counted ratings;
 *  - boxOffline: a box standing at a counter has been offline `offlineMinutes` during office
 *    hours (never connected: at once), so citizens there cannot rate;
 *  - rejected: at least `rejectedMinCount` messages of a box that could not be counted in the
 *    last `rejectedWindowMin`;
 *  - burst: at least `burstMinCount` presses of a box beyond a human rate (ingest.burst),
 *    naming the counter and officer they would have been counted against;
 *  - tampering: a signal of the rating-window report (window-report.ts) at a counter today, in
 *    an office that opens windows (tampering.ts);
 *  - system: the gateway's own conditions (clock guard, disk, backup).
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { localTime, parseHhMm } from '../local-time.ts'
import { officeOpen, type AlertRules } from './rules.ts'
import type { WindowSignal } from '../window-report.ts'

export type Condition =
  | { kind: 'frowns'; officeId: string; counterId: string; officerId: string | null; negative: number; total: number; share: number; windowMin: number }
  | { kind: 'boxOffline'; officeId: string; counterId: string; officerId: string | null; boxId: string; lastSeenAt: number | null; minutes: number }
  | { kind: 'rejected'; officeId: string | null; boxId: string | null; count: number; lastAt: number; lastReason: string; windowMin: number }
  | { kind: 'burst'; officeId: string | null; boxId: string; counterId: string | null; officerId: string | null; count: number; lastAt: number; windowMin: number }
  | TamperingCondition
  | SystemAlert

/** A tampering signal of the window report, as found today (`day`, local) at a counter. */
export interface TamperingCondition {
  kind: 'tampering'
  officeId: string
  counterId: string
  officerId: string | null
  day: string
  signal: WindowSignal
}

/**
 * A condition of the gateway itself that puts every office's figures at risk: shown to every
 * dashboard (officeId null), computed by the gateway's parts (clock guard, disk, backup).
 */
export type SystemAlert =
  | { kind: 'system'; officeId: null; condition: 'clockUnsynced'; source: string | null }
  | { kind: 'system'; officeId: null; condition: 'clockStepped'; byMs: number; against: string; at: number }
  | { kind: 'system'; officeId: null; condition: 'diskLow'; freeMB: number; minFreeMB: number }
  | { kind: 'system'; officeId: null; condition: 'backupFailed'; at: number; message: string }

/** What one alert is about: the same condition seen again is the same alert, not a new one. */
export function conditionKey(c: Condition): string {
  switch (c.kind) {
    case 'frowns':
      return `frowns:${c.counterId}`
    case 'boxOffline':
      return `boxOffline:${c.boxId}`
    case 'rejected':
      return `rejected:${c.boxId ?? '-'}`
    case 'burst':
      return `burst:${c.boxId}:${c.counterId ?? '-'}:${c.officerId ?? '-'}`
    case 'tampering':
      // A run or a burst is its own alert (a second one that day is raised again); the others, one a day.
      return `tampering:${c.signal.kind}:${c.counterId}:${c.day}${'from' in c.signal ? `:${c.signal.from}` : ''}`
    case 'system':
      return `system:${c.condition}`
  }
}

export interface ConditionDeps {
  db: Db
  timezone: string
  /** The officer on duty at a counter (attribution), for a box offline. */
  officerAt?: (counterId: string, at: number) => string | null
}

export function frowns(deps: ConditionDeps, now: number, r: AlertRules): Condition[] {
  const since = now - r.frownWindowMin * 60_000
  // One pass over the window's presses, per counter and officer (a subquery per counter read
  // the window again for each: a flood made every evaluation quadratic). A frown on any
  // scale: "Không hài lòng", and "Rất không hài lòng" on four or five levels.
  const rows = sql(
    deps.db,
    `SELECT office_id, counter_id, officer_id, SUM(rating IN ('negative', 'very-negative')) AS negative, count(*) AS total,
            MAX(CASE WHEN rating IN ('negative', 'very-negative') THEN time_ms END) AS last_frown
       FROM presses
      WHERE time_ms > ? AND time_ms <= ? AND repeat = 0 AND counter_id IS NOT NULL
      GROUP BY office_id, counter_id, officer_id`,
  ).all(since, now) as Array<{ office_id: string; counter_id: string; officer_id: string | null; negative: number; total: number; last_frown: number | null }>
  const counters = new Map<string, { officeId: string; counterId: string; negative: number; total: number; blamed: (typeof rows)[number] | null }>()
  for (const row of rows) {
    const key = `${row.office_id}\u0000${row.counter_id}`
    const c = counters.get(key) ?? { officeId: row.office_id, counterId: row.counter_id, negative: 0, total: 0, blamed: null }
    counters.set(key, c)
    c.negative += row.negative
    c.total += row.total
    // The officer the frowns were attributed to: most of them (the shift changed), then the latest.
    const b = c.blamed
    if (row.negative > 0 && (!b || row.negative > b.negative || (row.negative === b.negative && row.last_frown! > b.last_frown!))) c.blamed = row
  }
  // The minimum sample first: a share of a handful of ratings is noise, whatever its value.
  return [...counters.values()]
    .filter((c) => c.total >= r.frownMinCount && c.negative / c.total > r.frownShare)
    .map((c) => ({
      kind: 'frowns' as const,
      officeId: c.officeId,
      counterId: c.counterId,
      officerId: c.blamed?.officer_id ?? null,
      negative: c.negative,
      total: c.total,
      share: c.negative / c.total,
      windowMin: r.frownWindowMin,
    }))
}

export function offlineBoxes(deps: ConditionDeps, now: number, r: AlertRules): Condition[] {
  if (!officeOpen(r, localTime(now, deps.timezone), parseHhMm)) return []
  const rows = sql(
    deps.db,
    `SELECT b.id, b.last_seen_at, c.id AS counter_id, c.office_id
       FROM boxes b
       JOIN box_assignments a ON a.box_id = b.id AND a.to_ms IS NULL
       JOIN counters c ON c.id = a.counter_id
      WHERE b.retired_at IS NULL AND (b.last_state IS NULL OR b.last_state != 'online')
        AND (b.last_seen_at IS NULL OR b.last_seen_at <= ?)
      ORDER BY c.office_id, c.id, b.id`,
  ).all(now - r.offlineMinutes * 60_000) as Array<{ id: string; last_seen_at: number | null; counter_id: string; office_id: string }>
  return rows.map((row) => ({
    kind: 'boxOffline' as const,
    officeId: row.office_id,
    counterId: row.counter_id,
    officerId: deps.officerAt?.(row.counter_id, now) ?? null,
    boxId: row.id,
    lastSeenAt: row.last_seen_at,
    minutes: r.offlineMinutes,
  }))
}

export function rejected(deps: ConditionDeps, now: number, r: AlertRules): Condition[] {
  const rows = sql(
    deps.db,
    `SELECT r.box_id, count(*) AS n, max(r.received_at) AS last_at,
            (SELECT reason FROM rejected x WHERE x.box_id IS r.box_id ORDER BY x.received_at DESC, x.id DESC LIMIT 1) AS last_reason,
            (SELECT c.office_id FROM box_assignments a JOIN counters c ON c.id = a.counter_id
              WHERE a.box_id = r.box_id ORDER BY a.to_ms IS NULL DESC, a.from_ms DESC LIMIT 1) AS office_id
       FROM rejected r
      WHERE r.received_at > ?
      GROUP BY r.box_id
     HAVING count(*) >= ?
      ORDER BY last_at DESC`,
  ).all(now - r.rejectedWindowMin * 60_000, r.rejectedMinCount) as Array<{ box_id: string | null; n: number; last_at: number; last_reason: string; office_id: string | null }>
  return rows.map((row) => ({
    kind: 'rejected' as const,
    officeId: row.office_id,
    boxId: row.box_id,
    count: row.n,
    lastAt: row.last_at,
    lastReason: row.last_reason,
    windowMin: r.rejectedWindowMin,
  }))
}

export function bursts(deps: ConditionDeps, now: number, r: AlertRules): Condition[] {
  const rows = sql(
    deps.db,
    `SELECT box_id, office_id, counter_id, officer_id, count(*) AS n, max(received_at) AS last_at
       FROM presses
      WHERE time_ms > ? AND burst = 1
      GROUP BY box_id, office_id, counter_id, officer_id
     HAVING count(*) >= ?
      ORDER BY last_at DESC`,
  ).all(now - r.rejectedWindowMin * 60_000, r.burstMinCount) as Array<{ box_id: string; office_id: string | null; counter_id: string | null; officer_id: string | null; n: number; last_at: number }>
  return rows.map((row) => ({
    kind: 'burst' as const,
    officeId: row.office_id,
    boxId: row.box_id,
    counterId: row.counter_id,
    officerId: row.officer_id,
    count: row.n,
    lastAt: row.last_at,
    windowMin: r.rejectedWindowMin,
  }))
}
