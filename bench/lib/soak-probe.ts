/**
 * What the soak watches on the gateway process and what it concludes: resident memory and
 * open file descriptors read from /proc every few seconds, the RSS trend as a least-squares
 * slope, and the ledger (every press a box saw acknowledged is in the database on disk).
 */
import { readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import Database from 'better-sqlite3'
import { cpuSeconds } from './proc.ts'

export interface Sample {
  /** Milliseconds since the soak started. */
  t: number
  /** Which gateway process (0 = the first; each broker restart starts the next). */
  life: number
  pid: number
  rssMiB: number
  /** Anonymous memory (heap, stacks): a leak shows here; file pages (code, the mapped WAL index) do not. */
  anonMiB: number
  fds: number
  cpuS: number
}

/** Open file descriptors of `pid`: the entries of /proc/PID/fd (sockets, the database, the WAL...). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

export async function sample(pid: number, t: number, life: number): Promise<Sample | null> {
  try {
    const [status, cpuS] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), cpuSeconds(pid)])
    const mib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) / 1024
    return { t, life, pid, rssMiB: mib('VmRSS'), anonMiB: mib('RssAnon'), fds: openFds(pid), cpuS }
  } catch {
    // The process is gone (a restart in progress): no sample this time.
    return null
  }
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than 3 points. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length
  if (n < 3) return Number.NaN
  let sx = 0
  let sy = 0
  for (const [x, y] of points) {
    sx += x
    sy += y
  }
  const mx = sx / n
  const my = sy / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? Number.NaN : num / den
}

/** RSS slope in MiB per hour over the samples of one process life taken after `warmupMs` into it. */
export function rssSlopePerHour(samples: Sample[], life: number, warmupMs: number, field: 'rssMiB' | 'anonMiB' = 'rssMiB'): { slope: number; points: number; spanMin: number } {
  const mine = samples.filter((s) => s.life === life)
  if (mine.length === 0) return { slope: Number.NaN, points: 0, spanMin: 0 }
  const from = mine[0].t + warmupMs
  const used = mine.filter((s) => s.t >= from)
  const span = used.length ? used[used.length - 1].t - used[0].t : 0
  return { slope: slope(used.map((s) => [s.t / 3_600_000, s[field]])), points: used.length, spanMin: span / 60_000 }
}

/** Acknowledged presses, as the boxes saw their PUBACKs: `box|boot|seq`. */
export type Ledger = Set<string>

export const ledgerKey = (boxId: string, boot: string, seq: number): string => `${boxId}|${boot}|${seq}`

/** Opens the gateway's database read-only (the gateway has stopped) and finds every acknowledged press. */
export function checkLedger(dbFile: string, acked: Ledger): { acked: number; stored: number; missing: number; example: string | null } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    const stored = new Set<string>()
    for (const r of db.prepare('SELECT box_id, boot, seq FROM presses').iterate() as Iterable<{ box_id: string; boot: string; seq: number }>) {
      stored.add(ledgerKey(r.box_id, r.boot, r.seq))
    }
    let missing = 0
    let example: string | null = null
    for (const k of acked) {
      if (stored.has(k)) continue
      missing++
      example ??= k
    }
    return { acked: acked.size, stored: stored.size, missing, example }
  } finally {
    db.close()
  }
}
