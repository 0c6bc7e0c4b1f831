/**
 * Has another process (the CLI, another tool) changed the registry? `registry_version.n` is
 * bumped by triggers on the registry tables (migration "a registry version that only registry
 * changes bump"); this connection's own registry changes bump it too, so it also counts them,
 * in a TEMP table through TEMP triggers (they exist in this connection only). What moved in
 * the first but not in the second came from elsewhere. Unlike `PRAGMA data_version`, which
 * every commit of another connection moves, presses and other tables move neither, whichever
 * connection writes them (a writer thread of the gateway's own, as tried for issue 14).
 */
import type { Statement } from 'better-sqlite3'
import type { Db } from './database.ts'

/** The registry's tables and what of them is the registry (boxes' contact columns are not). */
const WATCHED: Array<[table: string, events: string[]]> = [
  ['offices', ['INSERT', 'UPDATE', 'DELETE']],
  ['counters', ['INSERT', 'UPDATE', 'DELETE']],
  ['officers', ['INSERT', 'UPDATE', 'DELETE']],
  ['box_assignments', ['INSERT', 'UPDATE', 'DELETE']],
  ['duty_sessions', ['INSERT', 'UPDATE', 'DELETE']],
  ['shifts', ['INSERT', 'UPDATE', 'DELETE']],
  ['boxes', ['INSERT', 'UPDATE OF id, secret_hash, created_at, retired_at', 'DELETE']],
]

export class RegistryVersion {
  private readonly elsewhere: Statement
  private last: number

  constructor(db: Db) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS own_registry_writes (n INTEGER NOT NULL)')
    if (db.prepare('SELECT count(*) FROM temp.own_registry_writes').pluck().get() === 0) db.exec('INSERT INTO temp.own_registry_writes (n) VALUES (0)')
    for (const [table, events] of WATCHED) {
      for (const event of events) {
        const name = `own_registry_${table}_${event.split(' ')[0].toLowerCase()}`
        db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS ${name} AFTER ${event} ON main.${table} BEGIN UPDATE own_registry_writes SET n = n + 1; END`)
      }
    }
    this.elsewhere = db.prepare('SELECT (SELECT n FROM main.registry_version) - (SELECT n FROM temp.own_registry_writes)').pluck()
    this.last = this.read()
  }

  /** True once per batch of registry changes committed by other connections since the last call. */
  changedElsewhere(): boolean {
    const v = this.read()
    if (v === this.last) return false
    this.last = v
    return true
  }

  private read(): number {
    return this.elsewhere.get() as number
  }
}
