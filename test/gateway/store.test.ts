/** The store's durability helpers: the press writer thread, checkpoints off the main thread. */
import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../gateway/log.ts'
import { Checkpointer } from '../../gateway/store/checkpointer.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { PRESS_COLUMNS, WriterThread } from '../../gateway/store/writer-thread.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('WriterThread', () => {
  it('commits each group, answers the ids in order (0 for a press stored before), and writes last contact by stop', async () => {
    const file = join(tempDir(), 'db.sqlite')
    const db = openDatabase(file)
    db.exec("INSERT INTO boxes (id, secret_hash, created_at) VALUES ('b1', 'x', 0)")
    const fatal: Error[] = []
    const thread = new WriterThread({ file, autocheckpoint: 1000, onFatal: (e) => fatal.push(e), onWarn: () => undefined })
    await thread.start()
    const row = (seq: number, at: number) => ['b1', 'boot', seq, 'positive', 0, 0, 0, at, 0, at, null, null, null, null, 0]
    expect(row(1, 0)).toHaveLength(PRESS_COLUMNS.length)
    const first = await thread.write({ presses: [1, 2, 3].flatMap((s) => row(s, 1000 + s)), rejects: [], statuses: [] })
    expect(first.ids).toHaveLength(3)
    expect(first.ids).toEqual([...first.ids].sort((a, b) => a - b))
    // 2 again (a resend) between two new ones; a rejected message; a status.
    const second = await thread.write({ presses: [4, 2, 5].flatMap((s) => row(s, 2000 + s)), rejects: [['b1', 't', 2100, 'why', Buffer.from('raw')]], statuses: [[2200, 'online', null, 'b1']] })
    expect(second.ids[1]).toBe(0)
    expect(second.ids[0]).toBeGreaterThan(first.ids[2])
    expect(second.ids[2]).toBeGreaterThan(second.ids[0])
    expect(second.rejectedIds).toHaveLength(1)
    // What the thread answered is what the main connection reads.
    expect(db.prepare('SELECT id, seq FROM presses ORDER BY id').all()).toEqual([1, 2, 3, 4, 5].map((seq, k) => ({ id: [...first.ids, second.ids[0], second.ids[2]][k], seq })))
    expect(db.prepare('SELECT raw FROM rejected').pluck().get()).toEqual(Buffer.from('raw'))
    await thread.stop()
    expect(db.prepare('SELECT last_seen_at, last_state, last_press_at FROM boxes').get()).toEqual({ last_seen_at: 2200, last_state: 'online', last_press_at: 2005 })
    expect(fatal).toEqual([])
    db.close()
  })

  it('a transaction of the main connection that reads, then writes, is not failed by a commit of the thread in between', async () => {
    const file = join(tempDir(), 'db.sqlite')
    const db = openDatabase(file)
    const other = new Database(file, { readonly: true })
    const thread = new WriterThread({ file, autocheckpoint: 1000, onFatal: () => undefined, onWarn: () => undefined })
    await thread.start()
    const stored = () => other.prepare('SELECT count(*) FROM presses').pluck().get() as number
    let written!: Promise<unknown>
    db.transaction(() => {
      db.prepare('SELECT count(*) FROM offices').get()
      // The thread commits a press now, while this transaction has read and not yet written.
      written = thread.write({ presses: ['b1', 'boot', 1, 'positive', 0, 0, 0, 1, 0, 1, null, null, null, null, 0], rejects: [], statuses: [] })
      const until = Date.now() + 500
      while (stored() === 0 && Date.now() < until); // a commit in between, if the thread can make one
      db.prepare("INSERT INTO offices (id, name) VALUES ('o1', 'Office')").run()
    })()
    await written
    expect(db.prepare('SELECT count(*) FROM offices').pluck().get()).toBe(1)
    expect(stored()).toBe(1)
    await thread.stop()
    other.close()
    db.close()
  })
})

describe('Checkpointer', () => {
  it('copies the WAL back into the database from a worker and leaves a small WAL at stop', async () => {
    const file = join(tempDir(), 'db.sqlite')
    const db = openDatabase(file)
    const cp = new Checkpointer({ db, file, log: silentLogger(), intervalMs: 50 })
    cp.start()
    const ins = db.prepare("INSERT INTO rejected (topic, received_at, reason, raw) VALUES ('t', 0, 'r', ?)")
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(Buffer.alloc(500))
    })()
    await vi.waitFor(
      () => {
        expect(cp.stats.runs, 'a checkpoint run').toBeGreaterThan(0)
        expect(cp.stats.checkpointed, 'frames checkpointed').toBeGreaterThan(0)
        expect(cp.stats.checkpointed, 'a complete checkpoint').toBe(cp.stats.walFrames)
      },
      { timeout: 10_000, interval: 20 },
    )
    await cp.stop()
    expect(statSync(`${file}-wal`).size).toBe(0) // TRUNCATE at stop
    expect(db.prepare('SELECT count(*) AS n FROM rejected').get()).toEqual({ n: 2000 })
    db.close()
  })
})
