/**
 * Online backups of the SQLite system of record, and the checks a restore relies on.
 *
 * A plain `cp chamdiem.db` under load misses whatever still sits in the WAL (measured: 165
 * and 250 acknowledged presses missing), so a backup is always made by SQLite itself:
 * `VACUUM INTO` copies one read transaction's snapshot — every press committed (and so
 * acknowledged) before the backup began is in it — while ingest keeps committing beside it
 * (WAL readers never block the writer). Unlike the incremental backup API, it never restarts
 * when another connection writes, so it finishes under sustained ingest.
 *
 * The copy is written as `NAME.partial`, checked with `PRAGMA quick_check`, fsynced and only
 * then renamed (and the folder fsynced): a backup file that exists is whole. A backup folder
 * the backup created has its own entry fsynced too (in its parent): without it, a power cut
 * soon after the first backup loses the folder, and the backup the command reported done
 * with it (found on the power-loss filesystem, test/powerloss).
 */
import Database from 'better-sqlite3'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export interface BackupResult {
  file: string
  bytes: number
  ms: number
  presses: number
}

/** Backup file names sort by time: `chamdiem-20261128T023000Z.db` (UTC). */
const PATTERN = /^chamdiem-\d{8}T\d{6}(\d{3})?Z(-[a-z0-9-]+)?\.db$/

export function backupName(at: number, label?: string): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z')
  return `chamdiem-${stamp}${label ? `-${label}` : ''}.db`
}

/**
 * Copies the database at `source` (a file path, or an open connection) into `dir`, verified
 * and durable. `keep` > 0 removes all but the newest `keep` backups of this kind afterwards.
 */
export function backupDatabase(opts: { source: string | Database.Database; dir: string; keep?: number; label?: string; now?: number }): BackupResult {
  const started = Date.now()
  mkdirDurable(opts.dir)
  const file = join(opts.dir, backupName(opts.now ?? started, opts.label))
  const partial = `${file}.partial`
  rmSync(partial, { force: true })
  const own = typeof opts.source === 'string'
  const db = typeof opts.source === 'string' ? new Database(opts.source, { fileMustExist: true }) : opts.source
  try {
    if (own) db.pragma('busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(partial)
  } finally {
    if (own) db.close()
  }
  const check = checkDatabaseFile(partial)
  if (!check.ok) {
    rmSync(partial, { force: true })
    throw new Error(`backup ${basename(file)} failed its integrity check: ${check.problem}`)
  }
  fsyncPath(partial)
  renameSync(partial, file)
  fsyncPath(opts.dir)
  if (opts.keep && opts.keep > 0) pruneBackups(opts.dir, opts.keep, opts.label)
  return { file, bytes: statSync(file).size, ms: Date.now() - started, presses: check.presses }
}

/** Backups in `dir`, newest first. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => PATTERN.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f))
}

/** Keeps the newest `keep` backups with the same label (scheduled and manual ones apart). */
export function pruneBackups(dir: string, keep: number, label?: string): string[] {
  const sameKind = listBackups(dir).filter((f) => labelOf(f) === (label ?? null))
  const removed = sameKind.slice(keep)
  for (const f of removed) rmSync(f, { force: true })
  return removed
}

function labelOf(file: string): string | null {
  return /Z-([a-z0-9-]+)\.db$/.exec(basename(file))?.[1] ?? null
}

export type FileCheck = { ok: true; presses: number; schemaVersion: number } | { ok: false; problem: string }

/**
 * Opens a database file read-only and runs `quick_check` (every page and index structure,
 * without the slower cross-checks of integrity_check). Says what is wrong in one line.
 */
export function checkDatabaseFile(file: string): FileCheck {
  if (!existsSync(file)) return { ok: false, problem: `${file} does not exist` }
  if (statSync(file).size === 0) return { ok: false, problem: `${file} is empty (0 bytes)` }
  let db: Database.Database | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
    if (problems.length > 0) return { ok: false, problem: problems.slice(0, 3).join('; ') }
    const schemaVersion = db.pragma('user_version', { simple: true }) as number
    const hasPresses = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'presses'").get()
    if (!hasPresses) return { ok: false, problem: `${file} is not a chamdiem database (no presses table)` }
    const presses = (db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n
    return { ok: true, presses, schemaVersion }
  } catch (err) {
    return { ok: false, problem: (err as Error).message }
  } finally {
    db?.close()
  }
}

/** `mkdir -p` whose new folders survive a power cut: the parent of each one it made is fsynced. */
export function mkdirDurable(dir: string, mode = 0o750): void {
  const first = mkdirSync(dir, { recursive: true, mode })
  if (first === undefined) return
  for (let d = dir; ; d = dirname(d)) {
    fsyncPath(dirname(d))
    if (d === first) return
  }
}

/** fsync a file or folder: its bytes, or its entries, reach the disk before we go on. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
