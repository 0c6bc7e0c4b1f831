/**
 * `chamdiem restore`: puts a backup in place of the live database. It refuses while a gateway
 * runs on the data directory (swapping the file under an open connection would lose and
 * corrupt data), checks the backup first (a restore must never replace a good database with a
 * damaged one), and keeps the database it replaces — with its WAL, which may hold the last
 * commits — in a folder beside it, so a restore can itself be undone.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { checkDatabaseFile, fsyncPath, mkdirDurable } from './backup.ts'
import { DataDirError, DB_FILE, runningGateway } from './data-dir.ts'
import { SCHEMA_VERSION } from './database.ts'

export interface RestoreResult {
  presses: number
  /** Where the replaced database went; null when there was none. */
  replacedDir: string | null
}

export function restoreDatabase(opts: { dataDir: string; file: string; now?: number }): RestoreResult {
  const { dataDir, file } = opts
  const pid = runningGateway(dataDir)
  if (pid !== null) {
    throw new DataDirError(`a gateway (pid ${pid}) is running on ${dataDir}: stop it first (e.g. systemctl stop chamdiem), then restore`)
  }
  const check = checkDatabaseFile(file)
  if (!check.ok) throw new DataDirError(`${file} cannot be restored: ${check.problem}`)
  if (check.schemaVersion > SCHEMA_VERSION) {
    throw new DataDirError(`${file} has schema version ${check.schemaVersion}, newer than this chamdiem (${SCHEMA_VERSION}): upgrade chamdiem first`)
  }
  mkdirDurable(dataDir)
  const live = join(dataDir, DB_FILE)
  let replacedDir: string | null = null
  const present = ['', '-wal', '-shm'].filter((s) => existsSync(live + s))
  if (present.length > 0) {
    const stamp = new Date(opts.now ?? Date.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
    replacedDir = join(dataDir, `replaced-${stamp}`)
    mkdirSync(replacedDir, { recursive: true, mode: 0o750 })
    for (const s of present) renameSync(live + s, join(replacedDir, DB_FILE + s))
    fsyncPath(replacedDir)
  }
  const partial = `${live}.restoring`
  rmSync(partial, { force: true })
  copyFileSync(file, partial)
  fsyncPath(partial)
  renameSync(partial, live)
  fsyncPath(dataDir)
  return { presses: check.presses, replacedDir }
}
