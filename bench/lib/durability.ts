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
  crashAfterMs: number
}

export async function crashRun(target: Target, gen: BenchChild, job: LoadJob, crashAfterMs: number, boxes: number, log: (line: string) => void): Promise<DurabilityResult> {
  const sys = await target.start({ boxes, log })
  try {
    const run = gen.request<LoadResult>('run', { job: { ...job, port: sys.port, recordAcks: true } }, job.timeLimitMs + 60_000)
    const timer = new Promise<void>((r) => setTimeout(r, crashAfterMs))
    await timer
    await sys.crash()
    const res = await run
    const acks = res.acks ?? []
    if (!sys.stored) return { system: target.label, acked: res.acked, lost: null, storedUnacked: null, crashAfterMs }
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
    return { system: target.label, acked: ackedSeen, lost, storedUnacked: storedTotal - (ackedSeen - lost), crashAfterMs }
  } finally {
    await sys.stop()
  }
}

export function describe(r: DurabilityResult): string {
  if (r.lost === null) return `${r.system.padEnd(40)} kill -9 after ${r.crashAfterMs} ms: ${r.acked} acknowledged, no store (all kept in memory only)`
  return `${r.system.padEnd(40)} kill -9 after ${r.crashAfterMs} ms: ${r.acked} acknowledged, ${r.lost} of them absent from the store; ${r.storedUnacked} stored without the box seeing the PUBACK`
}
