/**
 * The one way gateway code prepares SQL: `sql(db, text)` gives the statement for `text`,
 * prepared the first time it is asked for on that database and kept as long as the database.
 *
 * Why one cache rather than `db.prepare()` where the query is run: better-sqlite3 compiles
 * each statement in native memory that is only freed when the JS object is collected, so
 * preparing per call churns native memory; at 10k boxes a registry import peaked 237 MB RSS
 * preparing per call and 154 MB preparing each text once. Why not statements prepared in
 * constructors: the query then sits far from the code that reads its rows, and every module
 * grows its own cache. Keyed by text, the cache holds as many statements as the code has
 * texts (texts built at run time come from a bounded set: group-writer's chunk sizes).
 *
 * A cached statement is shared by every caller of the same text: never switch its mode where
 * it is run (`.pluck()`, `.raw()`); ask for it here (`{ pluck: true }`), cached apart.
 */
import type { Statement } from 'better-sqlite3'
import type { Db } from './database.ts'

const prepared = new WeakMap<Db, Map<string, Statement<unknown[]>>>()

/** Parameter and row types are the caller's word, as with better-sqlite3's own `prepare<P, R>`. */
export function sql<P extends unknown[] = unknown[], R = unknown>(
  db: Db,
  text: string,
  mode: { pluck?: boolean; raw?: boolean } = {},
): Statement<P, R> {
  let cache = prepared.get(db)
  if (!cache) {
    cache = new Map()
    prepared.set(db, cache)
  }
  const key = mode.pluck ? `pluck\u0000${text}` : mode.raw ? `raw\u0000${text}` : text
  let stmt = cache.get(key)
  if (!stmt) {
    stmt = db.prepare(text)
    if (mode.pluck) stmt.pluck()
    else if (mode.raw) stmt.raw()
    cache.set(key, stmt)
  }
  return stmt as unknown as Statement<P, R>
}
