/**
 * What the data directory itself remembers, beside the database:
 * - `gateway.pid`: which process runs a gateway on it now, so `chamdiem restore` refuses to
 *   swap the database under a running gateway (and a second gateway refuses to start);
 * - `database-created`: that a database was created here once, so a missing or 0-byte
 *   `chamdiem.db` (a failed restore, a wrong mount) stops the gateway with the backup to
 *   restore, instead of silently starting an empty database with a new admin: all history
 *   would look gone, and new presses would go into the wrong file.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fsyncPath, listBackups, mkdirDurable } from './backup.ts'

export const DB_FILE = 'chamdiem.db'
const PID_FILE = 'gateway.pid'
const CREATED_FILE = 'database-created'

export class DataDirError extends Error {}

export function backupsDir(dataDir: string): string {
  return join(dataDir, 'backups')
}

/** The pid of a live gateway process on `dataDir`, or null (no file, or its process is gone). */
export function runningGateway(dataDir: string): number | null {
  const file = join(dataDir, PID_FILE)
  if (!existsSync(file)) return null
  const pid = Number(readFileSync(file, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return null
  if (pid === process.pid) return pid
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to another user; still a live process.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null
  }
  // A pid left by a kill -9 may have been reused by an unrelated process.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (!/node|chamdiem/.test(cmdline)) return null
  } catch {
    // No /proc (not Linux): trust the live pid.
  }
  return pid
}

/** Marks `dataDir` as used by this process; refuses when another live gateway holds it. */
export function claimDataDir(dataDir: string): () => void {
  mkdirDurable(dataDir)
  const other = runningGateway(dataDir)
  if (other !== null && other !== process.pid) {
    throw new DataDirError(`another gateway (pid ${other}) runs on ${dataDir}; stop it first`)
  }
  const file = join(dataDir, PID_FILE)
  writeFileSync(file, `${process.pid}\n`, { mode: 0o640 })
  return () => {
    if (runningGateway(dataDir) === process.pid) rmSync(file, { force: true })
  }
}

/**
 * Before opening the database: a data directory that had a database must still have it, whole.
 * After opening: remember that it has one.
 */
export function expectDatabase(dataDir: string): void {
  const db = join(dataDir, DB_FILE)
  if (!existsSync(join(dataDir, CREATED_FILE))) return
  const size = existsSync(db) ? statSync(db).size : -1
  if (size > 0) return
  const newest = listBackups(backupsDir(dataDir))[0]
  const what = size === 0 ? `${db} is empty (0 bytes)` : `${db} is missing`
  throw new DataDirError(
    `${what}, but a database was created in ${dataDir} before: refusing to start an empty one. ` +
      (newest ? `Restore the newest backup: chamdiem restore ${newest}` : `Restore a backup with: chamdiem restore FILE`) +
      ` (or remove ${join(dataDir, CREATED_FILE)} to start afresh on purpose)`,
  )
}

export function markDatabaseCreated(dataDir: string): void {
  const file = join(dataDir, CREATED_FILE)
  if (existsSync(file)) return
  writeFileSync(file, `${new Date().toISOString()}\n`, { mode: 0o640 })
  // Durable, or a power cut soon after the first start forgets it, and with it the guard.
  fsyncPath(file)
  fsyncPath(dataDir)
}
