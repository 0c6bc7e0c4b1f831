/**
 * The durability column of the ingest table: each system takes presses at full speed, is
 * killed with SIGKILL mid-run, and the presses its boxes saw acknowledged are looked up in
 * what it stored (its file, read after the crash). A broker alone stores nothing, so every
 * press it acknowledged is gone; the gateway must show 0.
 */
import type { BenchChild } from './child.ts'
import type { Target } from './targets.ts'
import type { LoadJob, LoadResult } from '../load/generator.ts'

export interface DurabilityResult {
  system: string
  acked: number
  /** Acknowledged but absent from the store after the crash; null: no store at all. */
  lost: number | null
  /** Stored although the box never saw the PUBACK (the box would resend: deduplicated by a real store). */
  storedUnacked: number | null
  /** Milliseconds from the start of the run to the kill. */
  crashAfterMs: number
}

export async function crashRun(target: Target, gen: BenchChild, job: LoadJob, crashAfterMs: number, boxes: number, log: (line: string) => void): Promise<DurabilityResult> {
  const sys = await target.start({ boxes, log })
  try {
    const run = gen.request<LoadResult>('run', { job: { ...job, port: sys.port, recordAcks: true } }, job.timeLimitMs + 60_000)
    const t0 = Date.now()
    await new Promise((r) => setTimeout(r, crashAfterMs))
    // Mid-run means with presses flowing: a system with a store is killed once it holds some
    // (on a loaded machine the boxes may still be connecting when the timer fires).
    if (sys.stored) {
      const want = sys.acksBeforeStore ? 1 : Math.ceil(job.boxes.length * job.perBox * 0.1)
      while (Date.now() - t0 < job.timeLimitMs && (await storedCount(sys.stored, job.boot)) < want) await new Promise((r) => setTimeout(r, 100))
    }
    await sys.crash()
    const killedAfterMs = Date.now() - t0
    const res = await run
    const acks = res.acks ?? []
    if (!sys.stored) return { system: target.label, acked: res.acked, lost: null, storedUnacked: null, crashAfterMs: killedAfterMs }
    const stored = await sys.stored(job.boot)
    let lost = 0
    let ackedSeen = 0
    for (let i = 0; i < acks.length; i++) {
      const have = stored.get(job.boxes[i].id)
      for (const seq of acks[i]) {
        ackedSeen++
        if (!have?.has(seq)) lost++
      }
    }
    let storedTotal = 0
    for (const s of stored.values()) storedTotal += s.size
    return { system: target.label, acked: ackedSeen, lost, storedUnacked: storedTotal - (ackedSeen - lost), crashAfterMs: killedAfterMs }
  } finally {
    await sys.stop()
  }
}

/** One line per system; `pad` aligns the system names in the console log. */
async function storedCount(stored: (boot: string) => Promise<Map<string, Set<number>>>, boot: string): Promise<number> {
  try {
    let n = 0
    for (const set of (await stored(boot)).values()) n += set.size
    return n
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return 0
    throw err
  }
}

export function describe(r: DurabilityResult, pad = 0): string {
  if (r.lost === null) return `${r.system.padEnd(pad)} kill -9 after ${r.crashAfterMs} ms: ${r.acked} acknowledged, no store (all kept in memory only)`
  return `${r.system.padEnd(pad)} kill -9 after ${r.crashAfterMs} ms: ${r.acked} acknowledged, ${r.lost} of them absent from the store; ${r.storedUnacked} stored without the box seeing the PUBACK`
}
