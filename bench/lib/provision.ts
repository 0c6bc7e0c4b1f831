/**
 * Data dirs for gateway runs with `n` boxes already provisioned, as a gateway restarted in a
 * provisioned office finds them. The registry is imported once per size into a template
 * database (in this process, so the import's own cost stays out of the gateway's memory and
 * start time), and each run gets a fresh copy in its own temp dir.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus, type GatewayEvents } from '../../gateway/events.ts'
import { Registry } from '../../gateway/registry.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { benchRegistry } from './office.ts'

const templates = new Map<string, string>()
/** Run dirs not removed yet: an interrupted benchmark must not leave them in /tmp. */
const runDirs = new Set<string>()
let cleanupHooked = false

export const DB_FILE = 'chamdiem.db'
export const TIMEZONE = 'Asia/Ho_Chi_Minh'

function template(boxes: number, prefix: string): string {
  const key = `${prefix}/${boxes}`
  let dir = templates.get(key)
  if (dir) return dir
  dir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-template-'))
  if (!cleanupHooked) {
    cleanupHooked = true
    process.on('exit', () => {
      for (const d of [...templates.values(), ...runDirs]) rmSync(d, { recursive: true, force: true })
    })
  }
  const db = openDatabase(join(dir, DB_FILE))
  try {
    // Provisioned a day ago, as in a running office: the gateway does not cache attributions
    // for a minute in which an assignment changed, so "now" would slow the first minute down.
    importRegistry(new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: TIMEZONE }), db, benchRegistry(boxes, prefix), Date.now() - 86_400_000)
    // One self-contained file to copy: fold the WAL back into the database.
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  templates.set(key, dir)
  return dir
}

/** A fresh temp data dir holding a database with `boxes` boxes provisioned; remove it with `removeDataDir`. */
export function provisionedDataDir(boxes: number, prefix = 'bench'): string {
  const from = template(boxes, prefix)
  const dir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-gateway-'))
  runDirs.add(dir)
  copyFileSync(join(from, DB_FILE), join(dir, DB_FILE))
  return dir
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  runDirs.delete(dir)
}
