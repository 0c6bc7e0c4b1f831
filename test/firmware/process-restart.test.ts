/**
 * `chamdiem box run` as a real process on a pty board, killed with SIGKILL while presses are
 * queued (the broker is not up yet), then started again: every queued press reaches the
 * gateway exactly once, dated by an ageMs that covers the time the process was dead.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { registerCleanup, runFileCleanups } from '../helpers/cleanup.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { pressButton, sleep, startPtyUno, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

const FIXTURE = join(import.meta.dirname, 'fixtures', 'run-box.ts')

interface LogLine {
  msg: string
  [k: string]: unknown
}

/** Starts the box process; its JSON log lines are collected in `lines`. */
function runBox(args: string[]): { child: ChildProcess; lines: LogLine[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    env: { ...process.env, CHAMDIEM_BOX_SECRET: SECRET('box-1'), CHAMDIEM_LOG_LEVEL: 'debug', CHAMDIEM_LOG_JSON: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine)
    } catch {
      // not a log line
    }
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.once('exit', (code, signal) => {
    if (code && code !== 0) console.error(`box process exited ${code} ${signal ?? ''}: ${stderr}`)
  })
  registerCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, lines }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

describe('chamdiem box run, killed and restarted', () => {
  it('delivers the presses queued before a kill -9 exactly once, with their age', async () => {
    const { uno, path } = await startPtyUno()
    const mqttPort = await freePort()
    const queueFile = join(tempDir('chamdiem-queue-'), 'box-1.jsonl')
    const args = ['--port', path, '--broker', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'box-1', '--queue', queueFile, '--cooldown-ms', '0']

    // First run: the gateway is not up, so presses stay queued.
    const first = runBox(args)
    await waitFor('the board ready in the first run', () => first.lines.some((l) => l.msg === 'board ready'), 30_000)
    for (const i of [0, 2, 1]) {
      await pressButton(uno, i)
      await sleep(100)
    }
    await waitFor('three presses queued', () => first.lines.filter((l) => l.msg === 'press').length === 3)
    const presses = first.lines.filter((l) => l.msg === 'press')
    const firstBoot = presses[0].boot as string
    const killedAt = Date.now()
    first.child.kill('SIGKILL')
    await new Promise((r) => first.child.once('exit', r))
    const queuedLines = readFileSync(queueFile, 'utf8').trim().split('\n')
    expect(queuedLines).toHaveLength(3)

    const t = await startTestGateway({ registry: OFFICE, config: { mqtt: { port: mqttPort } } })
    t.gw.registry.signIn('an', 'q1')
    await sleep(300)
    const restartedAt = Date.now()
    const second = runBox(args)
    const stored = () =>
      t.gw.db.prepare('SELECT boot, seq, rating, repeat, age_ms FROM presses WHERE box_id = ? ORDER BY boot = ? DESC, seq').all('box-1', firstBoot) as Array<{
        boot: string
        seq: number
        rating: string
        repeat: number
        age_ms: number
      }>
    await waitFor('the queued presses stored', () => stored().length >= 3, 30_000)
    const rows = stored()
    expect(rows.map(({ boot, seq, rating }) => ({ boot, seq, rating }))).toEqual([
      { boot: firstBoot, seq: 1, rating: 'positive' },
      { boot: firstBoot, seq: 2, rating: 'negative' },
      { boot: firstBoot, seq: 3, rating: 'neutral' },
    ])
    // Each was pressed before the kill and sent after the restart: its age spans the gap.
    for (const row of rows) expect(row.age_ms).toBeGreaterThanOrEqual(restartedAt - killedAt)

    // The restarted box numbers its own presses under a new boot id.
    await waitFor('the board ready in the second run', () => second.lines.some((l) => l.msg === 'board ready'), 30_000)
    await pressButton(uno, 0)
    await waitFor('the new press stored', () => stored().length === 4)
    const last = stored()[3]
    expect(last.boot).not.toBe(firstBoot)
    expect(last).toMatchObject({ seq: 1, rating: 'positive' })
    await waitFor('the queue file emptied', () => second.lines.some((l) => l.msg === 'press acknowledged' && l.queued === 0))
  })
})
