/**
 * A gateway in a child process (`chamdiem gateway --config ...`), for tests that kill it for
 * real. The config is written as YAML in the data dir; ports are chosen free up front so a
 * restart listens where the clients expect it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { registerCleanup } from './cleanup.ts'
import { freePort, waitForPort } from './ports.ts'
import { groupGone, signalGroup } from './process-group.ts'

const ROOT = new URL('../..', import.meta.url).pathname

export interface ChildGateway {
  mqttPort: number
  httpPort: number
  configFile: string
  start(): Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Sends a signal without waiting for an exit (SIGHUP: reload). */
  signal(signal: NodeJS.Signals): void
  output(): string
}

/** `wrap` runs the gateway under another command, e.g. `['faketime', '-f', '-2d']`. */
export async function childGateway(dataDir: string, config: Record<string, unknown>, opts: { wrap?: () => string[] } = {}): Promise<ChildGateway> {
  const mqttPort = await freePort()
  const httpPort = await freePort()
  const configFile = join(dataDir, 'gateway.yaml')
  writeFileSync(
    configFile,
    stringify({ dataDir, logLevel: 'warn', ...config, mqtt: { ...(config.mqtt as object), host: '127.0.0.1', port: mqttPort, wsPort: null }, http: { host: '127.0.0.1', port: httpPort, ...(config.http as object) } }),
  )
  let child: ChildProcess | undefined
  let out = ''
  const g: ChildGateway = {
    mqttPort,
    httpPort,
    configFile,
    async start() {
      const [cmd, ...args] = [...(opts.wrap?.() ?? []), process.execPath, join(ROOT, 'bin/chamdiem.js'), 'gateway', '--config', configFile]
      child = spawn(cmd, args, {
        cwd: ROOT,
        // Timers and performance.now() keep real time under faketime: only the wall clock moves.
        env: { ...process.env, CHAMDIEM_LOG_JSON: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a signal reaches the gateway under a wrapper too: faketime
        // runs it as its child, and a signal to faketime alone left the gateway running.
        detached: true,
      })
      child.stdout!.on('data', (d) => (out += d))
      child.stderr!.on('data', (d) => (out += d))
      const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening:\n${out}`))))
      await Promise.race([waitForPort(mqttPort, 60_000), exited])
    },
    async kill(signal = 'SIGKILL') {
      const c = child
      if (!c?.pid) return
      const running = c.exitCode === null && c.signalCode === null
      const gone = running ? new Promise<void>((resolve) => c.once('exit', () => resolve())) : Promise.resolve()
      signalGroup(c, signal)
      await gone
      // A wrapper can exit before the gateway it runs has finished stopping.
      await groupGone(c.pid)
    },
    signal(signal) {
      // To the process started (a wrapper would die of SIGHUP, where the gateway reloads).
      child?.kill(signal)
    },
    output: () => out,
  }
  registerCleanup(() => g.kill('SIGKILL'))
  return g
}
