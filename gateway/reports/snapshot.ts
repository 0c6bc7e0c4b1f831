/**
 * One consistent reading of the store for a whole report. A report runs several queries (the
 * groups, the period's total, the comparison periods, the trend); read one after the other
 * outside a transaction, a press committed between two of them (by the gateway, while the CLI
 * reads the same file) makes the groups disagree with the total. In WAL mode a read
 * transaction sees the database as of its first read until it ends, and never blocks the
 * writer: every report reads inside one.
 */
import type { Db } from '../store/database.ts'

export function inSnapshot<T>(db: Db, read: () => T): T {
  // Inside a transaction already (a report built of reports): the outer one is the snapshot.
  if (db.inTransaction) return read()
  // Deferred: a read transaction, which never takes the write lock (store/database.ts).
  return db.transaction(read).deferred()
}
