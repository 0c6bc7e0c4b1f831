/**
 * When the forwarder tries again, on fake timers: time is the subject here, so the test moves
 * the clock instead of waiting out Retry-After and backoff delays. The server is a real HTTP
 * server answering as an overloaded InfluxDB does (429 with Retry-After, then 503s, then 204);
 * failures.test.ts checks the same answers against real InfluxDB and VictoriaMetrics.
 */
import { createServer } from 'node:http'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { InfluxForwarder } from '../../gateway/influx/forwarder.ts'
import { silentLogger } from '../../gateway/log.ts'
import { PressFactory } from './fixtures/presses.ts'
import { influxConfig, tempDb } from './fixtures/setup.ts'

interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
}

/** An HTTP server that answers each write with the next scripted answer and notes when it came. */
async function scriptedServer(answers: Answer[]) {
  const arrivals: number[] = []
  const waiters = new Map<number, () => void>()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      arrivals.push(Date.now())
      const a = answers[arrivals.length - 1] ?? { status: 204 }
      res.writeHead(a.status, a.headers).end(a.body ?? '')
      waiters.get(arrivals.length)?.()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    arrivals,
    /** Resolves when the nth write has arrived (I/O, not time: the fake clock stands still). */
    arrived: (n: number) => (arrivals.length >= n ? Promise.resolve() : new Promise<void>((r) => waiters.set(n, r))),
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('forwarder retry schedule', () => {
  it('waits what Retry-After asks, then backs off exponentially (half fixed, half random) up to the maximum', async () => {
    // Only the forwarder's own clock and timers are fake; sockets and setImmediate stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const busy = { status: 503, body: 'upstream busy' }
    const server = await scriptedServer([{ status: 429, headers: { 'retry-after': '30' }, body: '{"message":"slow down"}' }, busy, busy, busy, busy])
    const { db } = tempDb()
    new PressFactory(db, { seed: 7 }).insert(50)
    const config = influxConfig({ api: 'v1', url: server.url, database: 'chamdiem', minBackoffMs: 1000, maxBackoffMs: 4000 })
    const forwarder = new InfluxForwarder({ db, config, log: silentLogger() })
    forwarder.start()
    await vi.advanceTimersByTimeAsync(0)

    // Failure n waits between half and all of min(max, min * 2^(n-1)); the 429 at least 30 s.
    const expected: Array<[min: number, max: number]> = [[30_000, 30_000], [1000, 2000], [2000, 4000], [2000, 4000], [2000, 4000]]
    for (const [i, [min, max]] of expected.entries()) {
      await server.arrived(i + 1)
      await expect.poll(() => forwarder.status().consecutiveFailures, { interval: 1 }).toBe(i + 1)
      const s = forwarder.status()
      expect(s.state).toBe('retrying')
      const delay = s.nextAttemptAt! - s.lastError!.at
      expect(delay).toBeGreaterThanOrEqual(min)
      expect(delay).toBeLessThanOrEqual(max)
      // Not a millisecond early...
      await vi.advanceTimersByTimeAsync(s.nextAttemptAt! - Date.now() - 1)
      expect(server.arrivals).toHaveLength(i + 1)
      // ...and at once when due.
      await vi.advanceTimersByTimeAsync(1)
      await server.arrived(i + 2)
      expect(server.arrivals[i + 1]).toBe(s.nextAttemptAt)
    }
    await expect.poll(() => forwarder.status().state, { interval: 1 }).toBe('ok')
    expect(forwarder.status()).toMatchObject({ pointsWritten: 50, writeErrors: 5, consecutiveFailures: 0 })
    await forwarder.stop()
  })
})
