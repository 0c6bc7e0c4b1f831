/**
 * When citizens rate: counted presses per local weekday and hour over a period, with the
 * satisfaction rate of each cell, for the hour x weekday heat map. Grouped by 15-minute slot
 * in SQL (every zone offset is a multiple of 15 minutes), then each slot goes to its local
 * weekday and hour here: SQL cannot apply an arbitrary zone's rules.
 */
import { RATINGS } from '../../protocol/index.ts'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { figures, type RatingCounts } from '../stats.ts'
import { localTime } from '../local-time.ts'

export interface HeatMap {
  /** [weekday 0 = Monday .. 6 = Sunday][hour 0..23]: counted presses. */
  total: number[][]
  /** The same cells' satisfaction rate, null where there was no press. */
  satisfaction: Array<Array<number | null>>
}

const SLOT = 15 * 60_000
const COUNTS = RATINGS.map((r) => `SUM(rating = '${r}') AS ${r}`).join(', ')

export function buildHeatMap(db: Db, q: { fromMs: number; toMs: number; timezone: string; officeId?: string | null }): HeatMap {
  const rows = sql(
    db,
    `SELECT time_ms / ${SLOT} AS slot, ${COUNTS} FROM presses
      WHERE time_ms >= ? AND time_ms < ? AND repeat = 0 AND (? IS NULL OR office_id = ?)
      GROUP BY slot`,
  ).all(q.fromMs, q.toMs, q.officeId ?? null, q.officeId ?? null) as Array<RatingCounts & { slot: number }>
  const cells: RatingCounts[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => zero()))
  for (const r of rows) {
    const t = localTime(r.slot * SLOT, q.timezone)
    const cell = cells[t.weekday - 1][Math.floor(t.minute / 60)] as unknown as Record<string, number>
    for (const k of RATINGS) cell[k] += (r as unknown as Record<string, number>)[k]
  }
  return {
    total: cells.map((row) => row.map((c) => figures(c).total)),
    satisfaction: cells.map((row) => row.map((c) => figures(c).satisfaction)),
  }
}

function zero(): RatingCounts {
  return Object.fromEntries(RATINGS.map((r) => [r, 0])) as unknown as RatingCounts
}
