/** The durable press queue and the age computation, on real files in a temp dir. */
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ageBetween, hostNow, type HostTime } from '../../firmware/host-clock.ts'
import { PressQueue, type QueuedPress } from '../../firmware/press-queue.ts'
import { runFileCleanups } from '../helpers/cleanup.ts'
import { tempDir } from '../helpers/tmp.ts'

afterAll(runFileCleanups)

const at: HostTime = { wallMs: 1_700_000_000_000, monoMs: 5000, hostBoot: 'boot-a' }
const press = (seq: number, extra: Partial<QueuedPress> = {}): QueuedPress => ({ boot: 'b1', seq, rating: 'positive', repeat: false, at, ...extra })

function openQueue(file = join(tempDir(), 'q.jsonl')): PressQueue {
  const q = new PressQueue(file)
  q.open()
  return q
}

describe('press queue', () => {
  it('keeps unacknowledged presses across a reopen, in order, and drops acknowledged ones', () => {
    const q = openQueue()
    q.add(press(1))
    q.add(press(2, { rating: 'negative', repeat: true }))
    q.add(press(3))
    q.remove('b1', 2)
    // No close(): as after a kill -9.
    const again = new PressQueue(q.path)
    again.open()
    expect(again.list()).toEqual([press(1), press(3)])
  })

  it('skips a torn last line (power cut mid-write) and keeps the rest', () => {
    const q = openQueue()
    q.add(press(1))
    q.close()
    appendFileSync(q.path, '{"t":"p","boot":"b1","seq":2,"rat')
    const again = new PressQueue(q.path)
    again.open()
    expect(again.list()).toEqual([press(1)])
    expect(again.skippedLines).toBe(1)
  })

  it('rewrites the file with only pending presses when it opens', () => {
    const q = openQueue()
    for (let seq = 1; seq <= 5; seq++) q.add(press(seq))
    for (let seq = 1; seq <= 4; seq++) q.remove('b1', seq)
    q.close()
    const again = new PressQueue(q.path)
    again.open()
    expect(readFileSync(q.path, 'utf8').trim().split('\n')).toHaveLength(1)
    expect(again.size).toBe(1)
  })

  it('empties the file once everything is acknowledged, however long it ran', () => {
    const q = openQueue()
    for (let seq = 1; seq <= 1200; seq++) {
      q.add(press(seq))
      q.remove('b1', seq)
    }
    expect(readFileSync(q.path, 'utf8').length).toBeLessThan(50_000)
    q.add(press(1201))
    q.close()
    const again = new PressQueue(q.path)
    again.open()
    expect(again.list().map((p) => p.seq)).toEqual([1201])
  })
})

describe('age of a queued press', () => {
  it('uses the monotonic clock within one host boot, whatever the wall clock did', () => {
    const now: HostTime = { wallMs: at.wallMs - 3_600_000, monoMs: at.monoMs + 1234, hostBoot: 'boot-a' }
    expect(ageBetween(at, now)).toBe(1234)
  })

  it('falls back to the wall clock across a host reboot, never negative', () => {
    expect(ageBetween(at, { wallMs: at.wallMs + 90_000, monoMs: 10, hostBoot: 'boot-b' })).toBe(90_000)
    expect(ageBetween(at, { wallMs: at.wallMs - 5000, monoMs: 10, hostBoot: 'boot-b' })).toBe(0)
    expect(ageBetween({ ...at, hostBoot: null }, { wallMs: at.wallMs + 10, monoMs: 1, hostBoot: null })).toBe(10)
  })

  it('reads a shared monotonic clock: a later reading is never older', () => {
    const a = hostNow()
    const b = hostNow()
    expect(b.monoMs).toBeGreaterThanOrEqual(a.monoMs)
    expect(ageBetween(a, b)).toBeGreaterThanOrEqual(0)
  })
})
