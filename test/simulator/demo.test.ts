/**
 * `npm start` as a user runs it: the demo comes up (health answers, or the MQTT port and the
 * banner when the dashboard is not wired), presses arrive in its store, and Ctrl-C (SIGINT to
 * the process group, as a terminal sends it) or SIGTERM stops it cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it, vi } from 'vitest'
import { registerCleanup } from '../helpers/cleanup.ts'
import { portOpen } from '../helpers/ports.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = join(import.meta.dirname, '..', '..')

interface Demo {
  child: ChildProcess
  output: () => string
  /** Resolves when every process holding the output pipes (npm and the demo under it) has gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startDemo(dataDir: string): Demo {
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
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
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
    const login = await fetch(new URL('/api/login', http[1]), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    expect(login.status).toBe(200)
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
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

describe('npm start (the demo)', () => {
  it('comes up, presses arrive, and Ctrl-C stops it cleanly', async () => {
    const dataDir = tempDir('chamdiem-demo-test-')
    const demo = startDemo(dataDir)
    await upAndPressing(demo, dataDir)
    process.kill(-demo.child.pid!, 'SIGINT')
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
    process.kill(-demo.child.pid!, 'SIGTERM')
    expectCleanExit(await demo.exited, 'SIGTERM')
    expect(demo.output()).toMatch(/demo stopped/)
  })
})
