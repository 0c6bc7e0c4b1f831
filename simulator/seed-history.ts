/**
 * A lived-in office for the demo: months of citizen presses, fast-forwarded from the traffic
 * model, so every report and chart has data at first look. Each press goes through the
 * gateway's real ingest pipeline the way a box's queued press does: sent now with an `ageMs`
 * of how long ago it happened, so the gateway itself dates it (receivedAt - ageMs), finds the
 * counter its box stood at and the officer on duty then (shifts, duty sessions), applies the
 * cooldown and stores it durably. It enters in-process (`Ingest.submit`, the path of a box
 * plugged into the gateway's host), not over MQTT: the same steps without a socket round trip
 * per press, so three months take seconds.
 *
 * Idempotent: it fills from the newest stored press (or `fromMs`) up to `toMs`, so a demo
 * restarted on the same data dir adds only the time it was away. The gateway's clock stays
 * the real one: nothing is dated by a driven clock, and the clock guard sees no jump.
 */
import { encode, type Rating } from '../protocol/index.ts'
import type { Db } from '../gateway/store/database.ts'
import { drawRating, isOpen, prng, TrafficModel, VIETNAM_OFFICE_HOURS, type CounterTraffic, type RatingMix } from './traffic.ts'

export interface HistoryOptions {
  db: Db
  ingest: { submit(boxId: string, kind: 'press', payload: Buffer): Promise<void> }
  /** Which counters' boxes, at what rate (their `mix` is unused: see `mixAt`). */
  traffic: CounterTraffic[]
  /** The rating mix for a press of `boxId` at `t` (the officer on duty then). */
  mixAt: (boxId: string, t: number) => RatingMix
  fromMs: number
  toMs: number
  seed: number
  /** Share of citizens who press again right away (stored as repeats). Default 0.03. */
  againRate?: number
  /** The gateway's clock (ms); default Date.now. */
  now?: () => number
}

/** Presses submitted before waiting for their commit: one ingest group (ingest.maxBatch). */
const BATCH = 2000

export async function seedHistory(opts: HistoryOptions): Promise<{ presses: number; fromMs: number; toMs: number; ms: number; cpuMs: number }> {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const newest = (opts.db.prepare('SELECT max(time_ms) AS t FROM presses').get() as { t: number | null }).t
  const fromMs = Math.max(opts.fromMs, (newest ?? -Infinity) + 1)
  if (fromMs >= opts.toMs) return { presses: 0, fromMs, toMs: opts.toMs, ms: 0, cpuMs: 0 }
  const now = opts.now ?? Date.now
  const model = new TrafficModel({ counters: opts.traffic, hours: VIETNAM_OFFICE_HOURS, seed: opts.seed ^ Math.floor(fromMs / 60_000), startMs: fromMs })
  const random = prng(opts.seed ^ 0x2545f491)
  const againRate = opts.againRate ?? 0.03
  // A fresh boot per fill: (box, boot, seq) stays unique across restarts of the demo.
  const boot = `history-${fromMs.toString(36)}`
  const seqs = new Map<string, number>()
  let presses = 0
  let pending: Promise<void>[] = []
  const send = (boxId: string, rating: Rating, at: number) => {
    const seq = (seqs.get(boxId) ?? 0) + 1
    seqs.set(boxId, seq)
    const payload = encode('press', { seq, boot, rating, ageMs: Math.max(0, now() - at) })
    pending.push(opts.ingest.submit(boxId, 'press', payload))
    presses++
  }
  while (model.peek() < opts.toMs) {
    const a = model.next()
    const rating = drawRating(opts.mixAt(a.boxId, a.at), random)
    send(a.boxId, rating, a.at)
    // The citizen presses again 1.5 s later (a repeat), unless that falls after closing time,
    // where no one is on duty to attribute it to.
    if (random() < againRate && a.at + 1500 < opts.toMs && isOpen(VIETNAM_OFFICE_HOURS, a.at + 1500)) send(a.boxId, rating, a.at + 1500)
    if (pending.length >= BATCH) {
      await Promise.all(pending)
      pending = []
    }
  }
  await Promise.all(pending)
  const cpu = process.cpuUsage(cpu0)
  return { presses, fromMs, toMs: opts.toMs, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }
}
