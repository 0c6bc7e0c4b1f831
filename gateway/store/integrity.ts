/**
 * The integrity check at start. A damaged database is not always caught by opening it:
 * zeroed pages in the middle let the gateway start, report healthy and acknowledge presses
 * into a malformed file; random bytes crash it on the first press. `PRAGMA quick_check`
 * reads every page and checks every b-tree (skipping only the slow index-to-table
 * cross-check), in a worker thread with its own read-only connection, so a large file
 * delays the start by at most `waitMs`; a check still running then finishes in the
 * background, and the gateway is told if it finds damage.
 */
import { Worker } from 'node:worker_threads'

// Plain JavaScript, evaluated in the worker: no TypeScript loader is needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
let db
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true })
  const rows = db.pragma('quick_check(20)')
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
  parentPort.postMessage({ ok: problems.length === 0, problems })
} catch (err) {
  parentPort.postMessage({ ok: false, problems: [String((err && err.message) || err)] })
} finally {
  if (db) db.close()
}
`

export type IntegrityResult = { ok: true } | { ok: false; problem: string }

/** Runs quick_check on `file` in a worker; resolves with the verdict. */
export function checkIntegrity(file: string): Promise<IntegrityResult> {
  const driver = new URL(import.meta.resolve('better-sqlite3')).pathname
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver } })
  worker.unref()
  return new Promise((resolve) => {
    worker.once('message', (m: { ok: boolean; problems: string[] }) =>
      resolve(m.ok ? { ok: true } : { ok: false, problem: oneLine(m.problems) }),
    )
    worker.once('error', (err) => resolve({ ok: false, problem: err.message }))
  })
}

/**
 * Waits up to `waitMs` for the check of `file`. Damage found in time is thrown (the caller
 * refuses to start); found later, it is passed to `onLateDamage`. Returns whether the check
 * finished.
 */
export async function integrityAtStart(
  check: Promise<IntegrityResult>,
  waitMs: number,
  onLateDamage: (problem: string) => void,
  file: string,
): Promise<'ok' | 'still running'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)))
  const first = await Promise.race([check, timeout])
  clearTimeout(timer)
  if (first === 'timeout') {
    void check.then((r) => {
      if (!r.ok) onLateDamage(r.problem)
    })
    return 'still running'
  }
  if (!first.ok) throw new DamagedDatabaseError(file, first.problem)
  return 'ok'
}

/** quick_check's first findings on one line, short enough for a log line and health. */
function oneLine(problems: string[]): string {
  const text = problems.join('\n').replace(/\*\*\* in database main \*\*\*\n?/g, '').split('\n').filter(Boolean)
  const shown = text.slice(0, 3).join('; ')
  return text.length > 3 ? `${shown}; and ${text.length - 3} more` : shown
}

export class DamagedDatabaseError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file} is damaged (${problem}): refusing to store presses in it. Stop, restore the newest backup (chamdiem restore FILE), start again`)
  }
}
