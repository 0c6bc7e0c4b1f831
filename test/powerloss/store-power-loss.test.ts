/**
 * What the store writes beside the database survives a power cut once it says it is done
 * (regressions found with the power-loss filesystem): a backup reported done, in a backup
 * folder the backup itself created; the marker that a database was created here.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backupDatabase, checkDatabaseFile } from '../../gateway/store/backup.ts'
import { openDatabase } from '../../gateway/store/database.ts'
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
})
