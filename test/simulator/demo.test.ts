/**
 * `npm start` as a user runs it: the demo comes up (health answers, or the MQTT port and the
 * banner when the dashboard is not wired), presses arrive in its store, and Ctrl-C (SIGINT to
 * the process group, as a terminal sends it) or SIGTERM stops it cleanly. It starts lived-in:
 * weeks of past presses, attributed to the officers of the rota, seeded once per data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it, vi } from 'vitest'
import { registerCleanup } from '../helpers/cleanup.ts'
import { portOpen } from '../helpers/ports.ts'
import { signalGroup } from '../helpers/process-group.ts'
import { tempDir } from '../helpers/tmp.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

const ROOT = join(import.meta.dirname, '..', '..')

interface Demo {
  child: ChildProcess
  output: () => string
  /** Resolves when every process holding the output pipes (npm and the demo under it) has gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A week of history keeps these tests short; the history test asks for more. */
function startDemo(dataDir: string, extra: string[] = ['--history-days', '7']): Demo {
  const child = spawn(
    'npm',
    [
      'start',
      '--silent',
      '--',
      '--mqtt-port',
      '0',
      '--ws-port',
      '0',
      '--http-port',
      '0',
      '--speed',
      '900',
      '--data-dir',
      dataDir,
      ...extra,
    ],
    {
      cwd: ROOT,
      // Its own process group, so the test can signal it the way a terminal does on Ctrl-C.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, CHAMDIEM_LOG_JSON: '1', FORCE_COLOR: '0' },
    },
  )
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  registerCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child, 'SIGKILL')
      await exited
    }
  })
  return { child, output: () => out, exited }
}

/** Polls `probe` until it gives a value; fails at once, with the demo's output, if the demo exits. */
function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, demo: Demo, timeoutMs = 60_000): Promise<T> {
  const polled = vi.waitFor(
    async () => {
      const value = await probe()
      if (value === null || value === undefined) throw new Error(`timed out waiting for ${what}:\n${demo.output()}`)
      return value
    },
    { timeout: timeoutMs, interval: 100 },
  )
  const exited = demo.exited.then((): never => {
    throw new Error(`demo exited before ${what}:\n${demo.output()}`)
  })
  return Promise.race([polled, exited])
}

function countPresses(dataDir: string): number {
  const file = join(dataDir, 'chamdiem.db')
  if (!existsSync(file)) return 0
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return (
      db.prepare('SELECT COUNT(*) AS n FROM presses WHERE officer_id IS NOT NULL').get() as {
        n: number
      }
    ).n
  } catch {
    return 0 // schema not there yet
  } finally {
    db.close()
  }
}

async function upAndPressing(demo: Demo, dataDir: string): Promise<void> {
  const mqttPort = await waitFor(
    'the MQTT line of the banner',
    () => {
      const m = /MQTT\s+mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(demo.output())
      return m ? Number(m[1]) : null
    },
    demo,
  )
  expect(await portOpen(mqttPort)).toBe(true)
  const http = /dashboard\s+(http:\/\/\S+)/.exec(demo.output())
  if (http) {
    const health = await fetch(new URL('/api/health', http[1]))
    expect(health.status).toBe(200)
    // The one-time admin credentials printed in the banner open the dashboard's live view.
    const [, username, password] = /login\s+(\S+) \/ (\S+)/.exec(demo.output()) ?? []
    expect(username).toBeTruthy()
    // (After the password change the dashboard asks for at the first login.)
    const cookie = await loginFirstAdmin(http[1], { username, password })
    await waitFor(
      'presses in the live view',
      async () => {
        const live = (await (
          await fetch(new URL('/api/live', http[1]), { headers: { cookie } })
        ).json()) as {
          officers: Array<{
            name: string | null
            counts: { positive: number; neutral: number; negative: number }
          }>
        }
        const total = live.officers.reduce(
          (n, o) => n + o.counts.positive + o.counts.neutral + o.counts.negative,
          0,
        )
        return total > 0 && live.officers.some((o) => o.name === 'Nguyễn Thị Lan') ? total : null
      },
      demo,
    )
  }
  expect(demo.output()).toMatch(/Nguyễn Thị Lan/)
  // Presses arrive, attributed to the officers on duty.
  const first = await waitFor(
    'presses in the store',
    () => (countPresses(dataDir) > 0 ? countPresses(dataDir) : null),
    demo,
  )
  await waitFor('more presses', () => (countPresses(dataDir) > first ? true : null), demo)
}

/**
 * The demo itself exits 0 after its "demo stopped" line; npm, when signalled, re-raises the
 * signal on itself once its script is done, so npm's own status is 0 or that signal.
 */
function expectCleanExit(
  status: { code: number | null; signal: NodeJS.Signals | null },
  sent: NodeJS.Signals,
): void {
  expect(status.code === 0 || status.signal === sent).toBe(true)
}

function readStore<T>(dataDir: string, query: string, ...params: unknown[]): T {
  const db = new Database(join(dataDir, 'chamdiem.db'), { readonly: true, fileMustExist: true })
  try {
    return db.prepare(query).get(...params) as T
  } finally {
    db.close()
  }
}

describe('npm start (the demo)', () => {
  it('starts with weeks of history, every press attributed, and a restart does not seed it again', async () => {
    const dataDir = tempDir('chamdiem-demo-test-')
    const startedAt = Date.now()
    const first = startDemo(dataDir, ['--history-days', '21'])
    await waitFor('the banner', () => (/Ctrl-C stops the demo/.test(first.output()) ? true : null), first, 120_000)
    expect(first.output()).toMatch(/history: \d+ presses from \d{4}-\d\d-\d\d seeded in [\d.]+ s/)
    // The seeded history only (its boots are history-…): the live boxes press from the start too.
    const past = "SELECT count(*) AS n, sum(officer_id IS NULL) AS unattributed, count(DISTINCT time_ms / 86400000) AS days, min(time_ms) AS oldest FROM presses WHERE time_ms < ? AND boot LIKE 'history-%'"
    const seeded = readStore<{ n: number; unattributed: number; days: number; oldest: number }>(dataDir, past, startedAt)
    // Three weeks of office hours: about fifteen working days, each with presses at every counter.
    expect(seeded.days).toBeGreaterThanOrEqual(13)
    expect(seeded.oldest).toBeLessThan(startedAt - 18 * 86_400_000)
    expect(seeded.n).toBeGreaterThan(seeded.days * 200)
    expect(seeded.unattributed).toBe(0)
    signalGroup(first.child, 'SIGINT')
    expectCleanExit(await first.exited, 'SIGINT')

    const second = startDemo(dataDir, ['--history-days', '21'])
    await waitFor('the banner', () => (/Ctrl-C stops the demo/.test(second.output()) ? true : null), second, 120_000)
    signalGroup(second.child, 'SIGINT')
    expectCleanExit(await second.exited, 'SIGINT')
    expect(readStore<{ n: number }>(dataDir, past, startedAt).n).toBe(seeded.n)
  }, 300_000)

  it('comes up, presses arrive, and Ctrl-C stops it cleanly', async () => {
    const dataDir = tempDir('chamdiem-demo-test-')
    const demo = startDemo(dataDir)
    await upAndPressing(demo, dataDir)
    signalGroup(demo.child, 'SIGINT')
    expectCleanExit(await demo.exited, 'SIGINT')
    expect(demo.output()).toMatch(/demo stopped: (\d+) presses sent, \1 acknowledged/)
    // Half the counters have a queue system: the demo shows the response rate of its windows.
    expect(demo.output()).toMatch(/rating windows: response rate (\d+%|-) \(\d+\/\d+\)/)
    // The store closed cleanly and kept every press.
    expect(countPresses(dataDir)).toBeGreaterThan(0)
  })

  it('stops cleanly on SIGTERM too', async () => {
    const dataDir = tempDir('chamdiem-demo-test-')
    const demo = startDemo(dataDir)
    await upAndPressing(demo, dataDir)
    signalGroup(demo.child, 'SIGTERM')
    expectCleanExit(await demo.exited, 'SIGTERM')
    expect(demo.output()).toMatch(/demo stopped/)
  })
})
