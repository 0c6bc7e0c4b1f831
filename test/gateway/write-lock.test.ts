/**
 * Other connections write to the store while the gateway runs (the CLI from another process).
 * A transaction of the store's connection that reads, then writes must not fail because one of
 * them committed in between: a deferred transaction would (SQLITE_BUSY_SNAPSHOT, without
 * waiting); the store's transactions take the write lock at BEGIN, so the other writer waits.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('transactions of the store connection', () => {
  it('hold the write lock from their start: a commit of another connection cannot come in between', () => {
    const file = join(tempDir(), 'chamdiem.db')
    const db = openDatabase(file)
    const other = new Database(file)
    other.pragma('busy_timeout = 0') // it would wait; here it says at once that it must
    let otherError: unknown
    db.transaction(() => {
      db.prepare('SELECT count(*) FROM offices').get()
      try {
        other.prepare("INSERT INTO offices (id, name) VALUES ('o2', 'Another process')").run()
      } catch (err) {
        otherError = err
      }
      db.prepare("INSERT INTO offices (id, name) VALUES ('o1', 'Office')").run()
    })()
    expect((otherError as { code?: string } | undefined)?.code).toBe('SQLITE_BUSY')
    other.prepare("INSERT INTO offices (id, name) VALUES ('o2', 'Another process')").run()
    expect(db.prepare('SELECT id FROM offices ORDER BY id').pluck().all()).toEqual(['o1', 'o2'])
    other.close()
    db.close()
  })

  it('that only read (a report) leave the write lock to the others', () => {
    const file = join(tempDir(), 'chamdiem.db')
    const db = openDatabase(file)
    const other = new Database(file)
    other.pragma('busy_timeout = 0')
    db.transaction(() => {
      db.prepare('SELECT count(*) FROM offices').get()
      other.prepare("INSERT INTO offices (id, name) VALUES ('o2', 'Another process')").run()
      // The snapshot still shows the store as of the first read.
      expect(db.prepare('SELECT count(*) FROM offices').pluck().get()).toBe(0)
    }).deferred()
    expect(db.prepare('SELECT count(*) FROM offices').pluck().get()).toBe(1)
    other.close()
    db.close()
  })
})
