/**
 * What the store writes beside the database survives a power cut once it says it is done
 * (regressions found with the power-loss filesystem): a backup reported done, in a backup
 * folder the backup itself created; the marker that a database was created here; a commit
 * into a WAL that SQLite just created (after a clean stop deleted the last one), made durable
 * the way ingest does it: `synchronous = NORMAL`, then WalSync's fsync; the clock guard's
 * mark of the last run.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backupDatabase, checkDatabaseFile } from '../../gateway/store/backup.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { WalSync } from '../../gateway/store/wal-sync.ts'
import { ClockGuard } from '../../gateway/clock-guard.ts'
import { silentLogger } from '../../gateway/log.ts'
import { mountVolatileFs, volatileFsUnavailable } from './volatile-fs.ts'

const unavailable = volatileFsUnavailable()

function fsync(path: string): void {
  const fd = openSync(path, 'r')
  fsyncSync(fd)
  closeSync(fd)
}

describe.skipIf(unavailable !== null)(`store files across a power cut${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('a backup reported done is there after a power cut, with its new folder, and whole', async () => {
    const fs = await mountVolatileFs()
    const dataDir = join(fs.dir, 'data')
    mkdirSync(dataDir)
    fsync(fs.dir)
    const db = openDatabase(join(dataDir, 'chamdiem.db'))
    const r = backupDatabase({ source: db, dir: join(dataDir, 'backups', 'daily') })
    db.close()
    await fs.powerLoss()
    expect(existsSync(r.file), 'backup gone after the power cut').toBe(true)
    expect(checkDatabaseFile(r.file)).toMatchObject({ ok: true })
    // The marker that keeps a later start from creating an empty database in its place.
    expect(existsSync(join(dataDir, 'database-created'))).toBe(true)
  })

  it('a commit into a new WAL, fsynced by WalSync, survives a power cut', async () => {
    const fs = await mountVolatileFs()
    const dataDir = join(fs.dir, 'data')
    mkdirSync(dataDir)
    fsync(fs.dir)
    const file = join(dataDir, 'chamdiem.db')
    openDatabase(file).close() // a clean stop: the WAL is folded in and deleted
    const db = openDatabase(file)
    const walSync = new WalSync(`${file}-wal`)
    db.pragma('synchronous = NORMAL')
    db.prepare("INSERT INTO offices (id, name) VALUES ('o1', 'after the new WAL')").run()
    await walSync.sync()
    // The power goes before the connection closes (a clean close would fold the WAL in).
    await fs.powerLoss({
      afterCut: () => {
        walSync.close()
        db.close()
      },
    })
    const after = openDatabase(file)
    try {
      expect(after.prepare("SELECT name FROM offices WHERE id = 'o1'").pluck().get()).toBe('after the new WAL')
    } finally {
      after.close()
    }
  })

  it("the clock guard's mark of the last run survives a power cut: a clock set back after it is seen", async () => {
    const fs = await mountVolatileFs()
    const guard = (now: number) =>
      new ClockGuard({ dataDir: fs.dir, now: () => now, log: silentLogger(), lastStoredAt: () => null, readSync: async () => ({ synchronised: true, source: 'timesyncd' }) })
    const before = guard(Date.UTC(2026, 5, 1, 8))
    await before.start()
    before.stop()
    await fs.powerLoss()
    // The power comes back with the clock an hour behind the last run.
    const after = guard(Date.UTC(2026, 5, 1, 7))
    await after.start()
    after.stop()
    expect(after.status()).toMatchObject({ ok: false, lastStep: { against: 'last run', byMs: -3_600_000 } })
  })
})
