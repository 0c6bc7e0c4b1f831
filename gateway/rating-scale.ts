/**
 * The deployment's rating scale against what the store already holds. A press is stored with
 * its level id; a scale that drops a level which has presses would leave them out of every
 * count, so the gateway refuses to start with it and says which level and how many presses.
 * The scale last started with is kept (dashboard_settings 'ratingScale'), so an unchanged
 * scale costs no scan of the presses at start; a changed one costs one.
 */
import type { Logger } from './log.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import { ConfigError } from './config.ts'
import { DamagedDatabaseError } from './store/integrity.ts'
import { RATINGS, type RatingScale } from '../protocol/index.ts'

const KEY = 'ratingScale'

export function checkScaleAgainstStore(db: Db, scale: RatingScale, log: Logger, now: number): void {
  const current = JSON.stringify(scale.map((l) => ({ id: l.id, label: l.label })))
  const stored = sql(db, 'SELECT value FROM dashboard_settings WHERE key = ?', { pluck: true }).get(KEY) as string | undefined
  if (stored === current) return
  const ids = scale.map((l) => l.id)
  // Before scales existed (nothing stored), presses could only hold the default three ids: a
  // scale that has them needs no scan (and a large database is not read through at start).
  const skipScan = stored === undefined && RATINGS.every((id) => (ids as readonly string[]).includes(id))
  const outside = skipScan ? [] : pressesOutside(db, ids)
  if (outside.length > 0) {
    throw new ConfigError('(ratingScale against the presses stored)', [
      ...outside.map(
        (o) =>
          `/ratingScale/levels: the database holds ${o.n} presses at level "${o.rating}", which this scale (${ids.join(', ')}) does not have; they would drop out of every count. Keep the level in the scale, or use a new data directory for the new scale`,
      ),
    ])
  }
  // A level that keeps its id under a new label: its past presses now read under that label.
  const before = stored ? (JSON.parse(stored) as Array<{ id: string; label: string }>) : []
  for (const old of before) {
    const level = scale.find((l) => l.id === old.id)
    if (level && level.label !== old.label) log.warn({ level: old.id, was: old.label, now: level.label }, `rating level "${old.id}" was "${old.label}" and is now "${level.label}": its past presses are reported under the new label`)
  }
  sql(db, 'INSERT INTO dashboard_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(KEY, current, now)
}

function pressesOutside(db: Db, ids: readonly string[]): Array<{ rating: string; n: number }> {
  try {
    return sql(
      db,
      `SELECT rating, count(*) AS n FROM presses WHERE rating NOT IN (${ids.map(() => '?').join(', ')}) GROUP BY rating ORDER BY rating`,
    ).all(...ids) as Array<{ rating: string; n: number }>
  } catch (err) {
    // A damaged file found by this scan is refused as the integrity check would refuse it.
    if (String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_CORRUPT')) throw new DamagedDatabaseError(db.name, (err as Error).message)
    throw err
  }
}
