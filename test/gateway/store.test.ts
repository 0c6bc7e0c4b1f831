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
    const ins = db.prepare(
      "INSERT INTO rejected (topic, received_at, reason, raw) VALUES ('t', 0, 'r', ?)",
    )
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

  it('runs its worker only while the database is written: stops when the WAL is checkpointed and calm, starts again on a write', async () => {
    const file = join(tempDir(), 'db.sqlite')
    const db = openDatabase(file)
    const cp = new Checkpointer({ db, file, log: silentLogger(), intervalMs: 50, idleStopMs: 400 })
    cp.start()
    const ins = db.prepare(
      "INSERT INTO rejected (topic, received_at, reason, raw) VALUES ('t', 0, 'r', ?)",
    )
    const write = (n: number) =>
      db.transaction(() => {
        for (let i = 0; i < n; i++) ins.run(Buffer.alloc(500))
      })()
    write(500)
    await vi.waitFor(
      () => expect(cp.stats.workerRunning, 'the worker runs while the WAL grows').toBe(true),
      { timeout: 5000, interval: 20 },
    )
    // Calm: the worker copies everything back, then stops (a worker thread is a second V8 heap).
    await vi.waitFor(
      () => {
        expect(cp.stats.checkpointed, 'everything checkpointed').toBe(cp.stats.walFrames)
        expect(cp.stats.workerRunning, 'stopped once calm').toBe(false)
      },
      { timeout: 10_000, interval: 20 },
    )
    expect(cp.stats.workerStarts).toBe(1)
    const runsWhenStopped = cp.stats.runs
    await new Promise((r) => setTimeout(r, 300))
    expect(cp.stats.runs, 'no checkpoint runs while stopped').toBe(runsWhenStopped)
    // A write (the CLI's, or a press) starts it again, and it checkpoints the new frames.
    write(500)
    await vi.waitFor(
      () => {
        expect(cp.stats.workerStarts).toBe(2)
        expect(cp.stats.runs).toBeGreaterThan(runsWhenStopped)
        expect(cp.stats.checkpointed).toBe(cp.stats.walFrames)
      },
      { timeout: 10_000, interval: 20 },
    )
    await cp.stop()
    expect(statSync(`${file}-wal`).size).toBe(0)
    expect(db.prepare('SELECT count(*) AS n FROM rejected').get()).toEqual({ n: 1000 })
    db.close()
  })
})
