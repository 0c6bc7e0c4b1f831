/**
 * Reconnect backoff of the device layer, on fake timers: time is the subject here, so the test
 * advances it instead of sleeping. (The pty and MQTT suites check the same loop against real
 * ports and a real broker, where time is only the medium.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Backoff, Sleeper } from '../../firmware/backoff.ts'
import { BoardConnection } from '../../firmware/board-connection.ts'
import type { BoardConnector } from '../../firmware/connector.ts'
import { DEFAULT_WIRING } from '../../firmware/wiring.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('backoff', () => {
  it('doubles from the minimum up to the maximum, and starts over after reset()', () => {
    const b = new Backoff({ minMs: 100, maxMs: 1000, jitter: 0 })
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000])
    b.reset()
    expect(b.next()).toBe(100)
  })

  it('spreads each delay by at most the jitter either side', () => {
    const delays = Array.from({ length: 200 }, () => new Backoff({ minMs: 1000, maxMs: 1000, jitter: 0.2 }).next())
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800)
    expect(Math.max(...delays)).toBeLessThanOrEqual(1200)
    expect(new Set(delays).size).toBeGreaterThan(1) // not every box in step
  })

  it('a sleep ends when its time is up, or at once (false) when woken', async () => {
    const sleeper = new Sleeper()
    let slept: boolean | null = null
    void sleeper.sleep(1000).then((v) => (slept = v))
    await vi.advanceTimersByTimeAsync(999)
    expect(slept).toBeNull()
    await vi.advanceTimersByTimeAsync(1)
    expect(slept).toBe(true)

    void sleeper.sleep(60_000).then((v) => (slept = v))
    sleeper.wakeAll()
    await vi.advanceTimersByTimeAsync(0)
    expect(slept).toBe(false)
  })
})

describe('board reconnect', () => {
  it('retries a missing port after each backoff delay, not before, and stops at once', async () => {
    const attempts: number[] = []
    const missing: BoardConnector = {
      name: '/dev/ttyGONE',
      create: () => {
        attempts.push(Date.now())
        return Promise.reject(new Error('/dev/ttyGONE: no such file or directory'))
      },
      open: () => Promise.resolve(),
      close: () => Promise.resolve(),
    }
    const board = new BoardConnection({
      connector: missing,
      wiring: DEFAULT_WIRING,
      handshakeTimeoutMs: 10_000,
      reportVersionTimeoutMs: 5000,
      debounceMs: 50,
      reconnect: { minMs: 100, maxMs: 400 }, // with Backoff's default jitter of ±20%
    })
    const retries: number[] = []
    const reasons: string[] = []
    board.on('retry', (err, retryInMs) => {
      reasons.push(err.message)
      retries.push(retryInMs)
    })
    const t0 = Date.now()
    board.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(attempts).toHaveLength(1)
    // Each next attempt comes once the announced delay has passed, not a millisecond earlier.
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(retries[i] - 1)
      expect(attempts).toHaveLength(i + 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(attempts).toHaveLength(i + 2)
    }
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i])
    expect(gaps).toEqual(retries.slice(0, 4))
    // Doubling from 100 ms up to 400 ms, each within ±20%.
    for (const [i, base] of [100, 200, 400, 400].entries()) {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.8)
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.2)
    }
    expect(attempts[0]).toBe(t0)
    expect(reasons[0]).toBe('/dev/ttyGONE: no such file or directory')
    await board.stop() // wakes the sleeping loop: no timer to wait out
    await vi.advanceTimersByTimeAsync(10_000)
    expect(attempts).toHaveLength(5)
  })
})
