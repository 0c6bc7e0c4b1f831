/**
 * Baseline (b): Debian's Mosquitto, started on a free loopback port with a generated config
 * (anonymous access, no persistence) in a temp dir, stopped and cleaned up by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitForPort } from '../../test/helpers/ports.ts'

export interface Mosquitto {
  port: number
  pid: number
  stop(): Promise<void>
}

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'

export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-mosquitto-'))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest none',
      // Same in-flight room as the generator's window, so no publish waits on the broker's queue.
      'max_inflight_messages 0',
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  )
  const proc: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  const killOnExit = () => proc.kill('SIGKILL')
  process.on('exit', killOnExit)
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`mosquitto exited at start: ${stderr.trim()}`)
      }),
    ])
  } catch (err) {
    proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(t)
      }
      process.off('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
