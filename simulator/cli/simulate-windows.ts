/**
 * `chamdiem simulate --windows <http url>`: instead of free citizen traffic, a queue system
 * (simulator/queue-system.ts) opens a rating window per served citizen through the gateway's
 * HTTP API with an integration token, at every counter of the registry file (its first box);
 * citizens rate or walk away. Prints the response rate per counter, which the gateway's
 * GET /api/reports/windows must match.
 */
import { createLogger, silentLogger } from '../../gateway/log.ts'
import { runQueueSystem, type QueueCounter, type QueueTally } from '../queue-system.ts'
import type { SimRegistry } from '../registry-file.ts'
import { VirtualBox } from '../virtual-box.ts'

export interface WindowsRunOptions {
  gateway: string
  httpUrl: string
  token: string
  citizens: number
  respond: number
  seed: string
  json?: boolean
  logLevel: string
}

export async function simulateWindows(opts: WindowsRunOptions, file: SimRegistry, boxes: Array<{ id: string; secret: string }>): Promise<void> {
  const log = opts.logLevel === 'silent' ? silentLogger() : createLogger(opts.logLevel).child({ area: 'simulator' })
  const counters: QueueCounter[] = []
  const seen = new Set<string>()
  for (const b of boxes) {
    const counterId = file.counterOf(b.id)
    if (!counterId || seen.has(counterId)) continue
    seen.add(counterId)
    counters.push({ counterId, box: new VirtualBox({ url: opts.gateway, boxId: b.id, secret: b.secret, log }) })
  }
  if (counters.length === 0) throw new Error('--windows: no box of the registry file stands at a counter')
  console.error(`queue system: ${opts.citizens} citizens at each of ${counters.length} counters, ${Math.round(opts.respond * 100)}% rate`)
  for (const c of counters) c.box.start()
  try {
    const deadline = Date.now() + 60_000
    while (!counters.every((c) => c.box.isConnected)) {
      if (Date.now() > deadline) throw new Error('boxes did not connect within 60 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    // Wait for each box's config (its cooldown), so citizens are spaced to count.
    await new Promise((r) => setTimeout(r, 300))
    const tally = await runQueueSystem({ httpUrl: opts.httpUrl, token: opts.token, counters, citizens: opts.citizens, respondShare: opts.respond, seed: opts.seed })
    console.log(opts.json ? JSON.stringify({ gateway: opts.gateway, seed: opts.seed, ...tally }, null, 2) : formatTally(tally))
  } finally {
    await Promise.all(counters.map((c) => c.box.stop()))
  }
}

export function formatTally(tally: QueueTally): string {
  const pct = (rated: number, opened: number) => (opened === 0 ? '-' : `${((100 * rated) / opened).toFixed(1)}%`)
  const lines = ['counter     windows  rated  response rate']
  for (const [id, r] of Object.entries(tally.byCounter)) lines.push(`${id.padEnd(10)}  ${String(r.opened).padStart(7)}  ${String(r.rated).padStart(5)}  ${pct(r.rated, r.opened).padStart(13)}`)
  lines.push(`${'total'.padEnd(10)}  ${String(tally.opened).padStart(7)}  ${String(tally.rated).padStart(5)}  ${pct(tally.rated, tally.opened).padStart(13)}`)
  return lines.join('\n')
}
