/**
 * When citizens rate: counted presses per local weekday and hour over a period, with the
 * satisfaction rate of each cell, for the hour x weekday heat map. Grouped by 15-minute slot
 * in SQL (every zone offset is a multiple of 15 minutes), then each slot goes to its local
 * weekday and hour here: SQL cannot apply an arbitrary zone's rules.
 */
import { DEFAULT_SCALE, type RatingScale } from '../../protocol/index.ts'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { figures, levelSums, MIN_RATINGS, type RatingCounts } from '../stats.ts'
import { localTime } from '../local-time.ts'

export interface HeatMap {
  /** [weekday 0 = Monday .. 6 = Sunday][hour 0..23]: counted presses. */
  total: number[][]
  /** The same cells' satisfaction rate, null where there was no press. */
  satisfaction: Array<Array<number | null>>
}

const SLOT = 15 * 60_000

export function buildHeatMap(db: Db, q: { fromMs: number; toMs: number; timezone: string; officeId?: string | null; scale?: RatingScale }): HeatMap {
  const scale = q.scale ?? DEFAULT_SCALE
  const rows = sql(
    db,
    `SELECT time_ms / ${SLOT} AS slot, ${levelSums(scale)} FROM presses
      WHERE time_ms >= ? AND time_ms < ? AND repeat = 0 AND (? IS NULL OR office_id = ?)
      GROUP BY slot`,
  ).all(q.fromMs, q.toMs, q.officeId ?? null, q.officeId ?? null) as Array<RatingCounts & { slot: number }>
  const cells: RatingCounts[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => ({})))
  for (const r of rows) {
    const t = localTime(r.slot * SLOT, q.timezone)
    const cell = cells[t.weekday - 1][Math.floor(t.minute / 60)]
    for (const { id } of scale) cell[id] = (cell[id] ?? 0) + (r[id] ?? 0)
  }
  return {
    total: cells.map((row) => row.map((c) => figures(c, MIN_RATINGS, scale).total)),
    satisfaction: cells.map((row) => row.map((c) => figures(c, MIN_RATINGS, scale).satisfaction)),
  }
}
