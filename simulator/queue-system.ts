/**
 * A queue system in the simulator (issue 13): at each counter it serves citizens one after
 * another; when the officer ends a ticket it opens a rating window over the gateway's HTTP
 * API (a token of scope `windows`, as OpenCPS or iQMS would), with the ticket as the case
 * reference. The citizen at the counter's virtual box then rates (after the box shows the
 * window, so the press carries its id) or walks away. What it did is tallied per counter and
 * per ticket, so a test can hold the gateway's window report to it exactly.
 */
import type { Rating } from '../protocol/index.ts'
import { drawRating, prng, seedOf, type RatingMix } from './traffic.ts'
import type { VirtualBox } from './virtual-box.ts'

export interface QueueCounter {
  counterId: string
  /** The box citizens press at this counter. */
  box: VirtualBox
}

export interface QueueSystemOptions {
  /** The gateway's HTTP base, e.g. http://gateway:8080. */
  httpUrl: string
  /** Integration token of scope `windows` for the counters' office. */
  token: string
  counters: QueueCounter[]
  /** Citizens served per counter. */
  citizens: number
  /** Share of citizens who rate (the rest walk away). */
  respondShare: number
  mix?: RatingMix
  seed: string
  /** Pause between one citizen and the next at a counter (at least the box's cooldown, so every rating counts). */
  gapMs?: number
  /** How long the box may take to show a window. */
  showTimeoutMs?: number
  timeoutMs?: number
}

export interface QueueTally {
  opened: number
  rated: number
  byCounter: Record<string, { opened: number; rated: number }>
  /** Each ticket and the rating given, or null when the citizen walked away. */
  tickets: Record<string, Rating | null>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runQueueSystem(opts: QueueSystemOptions): Promise<QueueTally> {
  const tally: QueueTally = { opened: 0, rated: 0, byCounter: {}, tickets: {} }
  await Promise.all(
    opts.counters.map(async ({ counterId, box }) => {
      const random = prng(seedOf(`${opts.seed}/${counterId}`))
      const row = (tally.byCounter[counterId] = { opened: 0, rated: 0 })
      for (let n = 1; n <= opts.citizens; n++) {
        const reference = `${counterId}-T${String(n).padStart(4, '0')}`
        const id = await openWindow(opts, counterId, reference)
        tally.opened++
        row.opened++
        const rates = random() < opts.respondShare
        const rating = drawRating(opts.mix ?? { positive: 6, neutral: 3, negative: 1 }, random)
        tally.tickets[reference] = rates ? rating : null
        if (rates) {
          await waitShown(box, id, opts.showTimeoutMs ?? 10_000)
          const record = box.press(rating, { repeat: false })
          // The PUBACK comes over the network, after this listener is in place.
          await new Promise<void>((resolve) => {
            const onAck = (rec: { seq: number } | null) => {
              if (rec?.seq !== record.seq) return
              box.off('acked', onAck)
              resolve()
            }
            box.on('acked', onAck)
          })
          tally.rated++
          row.rated++
        }
        await sleep(opts.gapMs ?? Math.max(box.cooldownMs + 200, 50))
      }
    }),
  )
  return tally
}

async function openWindow(opts: QueueSystemOptions, counterId: string, reference: string): Promise<string> {
  const res = await fetch(new URL('/api/windows', opts.httpUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ counter: counterId, reference, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }),
  })
  const body = (await res.json()) as { id?: string; error?: string }
  if (res.status !== 201 || !body.id) throw new Error(`opening a window at ${counterId}: ${res.status} ${body.error ?? ''}`.trim())
  return body.id
}

async function waitShown(box: VirtualBox, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (box.window.open?.id !== id) {
    if (Date.now() > deadline) throw new Error(`box ${box.boxId} did not show window ${id} within ${timeoutMs} ms`)
    await sleep(5)
  }
}
