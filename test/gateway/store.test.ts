/** The store's durability helpers: group fsync of the WAL, checkpoints off the main thread. */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../gateway/log.ts'
import { Checkpointer } from '../../gateway/store/checkpointer.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { WalSync } from '../../gateway/store/wal-sync.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('WalSync', () => {
  it('covers every caller with as few fsyncs as possible, in order', async () => {
    const file = join(tempDir(), 'db.sqlite')
    const db = openDatabase(file)
    db.exec("INSERT INTO offices VALUES ('o', 'Office')")
    const sync = new WalSync(`${file}-wal`)
    const order: number[] = []
    const calls = Array.from({ length: 10 }, (_, i) => sync.sync().then(() => order.push(i)))
    await Promise.all(calls)
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // The first call starts an fsync; the nine asking while it runs share the next one.
    expect(sync.syncs).toBe(2)
    sync.close()
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
