/**
 * Opens the SQLite system of record: WAL journal, full fsync on commit (an acknowledged
 * press must survive power loss, not only a crash), foreign keys on, migrations applied.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'
import { sql } from './statements.ts'

export type Db = Database.Database

export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // FULL: in WAL mode, NORMAL may lose the last commits on power loss; FULL fsyncs the WAL at
  // every commit. Commits are grouped (ingest.ts), so this costs one fsync per group.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this chamdiem (${latest}); upgrade chamdiem`,
    )
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })()
  }
}

/** Throws unless the database answers a query (health checks). */
export function ping(db: Db): void {
  sql(db, 'SELECT 1').get()
}
