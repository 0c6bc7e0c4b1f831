/**
 * Opens the SQLite system of record: WAL journal, full fsync on commit (an acknowledged
 * press must survive power loss, not only a crash), foreign keys on, migrations applied —
 * after a backup of the database as it was (Grafana's lesson: a migration that goes wrong
 * must leave something to go back to). A data directory that had a database must still have
 * it (data-dir.ts), and neither it nor the database is readable by other users: officers'
 * ratings are personal data.
 */
import Database from 'better-sqlite3'
import { chmodSync, statSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'
import { sql } from './statements.ts'
import { backupDatabase, mkdirDurable } from './backup.ts'
import { backupsDir, expectDatabase, markDatabaseCreated } from './data-dir.ts'

export type Db = Database.Database

export function openDatabase(file: string): Db {
  const onDisk = file !== ':memory:'
  if (onDisk) {
    const dir = dirname(file)
    mkdirDurable(dir)
    const mode = statSync(dir).mode
    // Presses and secrets are no one else's: the directory loses its rights for others. A
    // shared directory such as /tmp (sticky bit) must never lose them, nor hold the store.
    if (mode & 0o1000) throw new Error(`${dir} is a shared directory (sticky bit, like /tmp): give dataDir a directory of its own, e.g. /var/lib/chamdiem`)
    chmodSync(dir, mode & 0o770)
    if (basename(file) === 'chamdiem.db') expectDatabase(dir)
  }
  const db = new Database(file)
  if (onDisk) chmodSync(file, 0o640)
  db.pragma('journal_mode = WAL')
  // FULL: in WAL mode, NORMAL may lose the last commits on power loss; FULL fsyncs the WAL at
  // every commit. Commits are grouped (ingest.ts), so this costs one fsync per group.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  immediateTransactions(db)
  migrate(db, onDisk ? backupsDir(dirname(file)) : undefined)
  if (onDisk && basename(file) === 'chamdiem.db') markDatabaseCreated(dirname(file))
  return db
}

/**
 * This connection's transactions take the write lock at BEGIN (BEGIN IMMEDIATE), waiting for
 * it under the busy timeout. A deferred one that reads, then writes fails at once, without
 * waiting, with SQLITE_BUSY_SNAPSHOT when another connection committed in between: a CLI
 * registry change while the gateway commits presses many times a second, or the gateway's
 * own change while the CLI commits. A transaction that only reads asks for `.deferred()`
 * (reports/snapshot.ts), so it never holds up a writer.
 */
function immediateTransactions(db: Db): void {
  const transaction = db.transaction.bind(db)
  // Each variant of a better-sqlite3 transaction function carries the others (.deferred ...).
  db.transaction = ((fn: (...args: never[]) => unknown) => transaction(fn).immediate) as Db['transaction']
}

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/** Applies pending migrations; with `backupDir`, a database that has data is backed up first. */
export function migrate(db: Db, backupDir?: string): void {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = SCHEMA_VERSION
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this chamdiem (${latest}); upgrade chamdiem`,
    )
  }
  if (backupDir && current > 0 && current < latest) {
    backupDatabase({ source: db, dir: backupDir, label: `pre-migration-v${current}` })
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
