/**
 * The MQTT systems the ingest benchmark compares, each started fresh for every run so no
 * run inherits another's state: the generator's ceiling (a null broker), bare Aedes,
 * Mosquitto, the real gateway (from its sources through tsx or compiled as installed) and the
 * Mosquitto -> Node-RED -> SQLite peer (node-red.ts).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { BenchChild } from './child.ts'
import { ensureNodeRed, startNodeRedPeer, NODE_RED_VERSION } from './node-red.ts'
import { startMosquitto, MOSQUITTO_BIN } from '../../test/helpers/servers/mosquitto.ts'
import { DB_FILE, provisionedDataDir, removeDataDir, TIMEZONE } from './provision.ts'
import { seqsByBox } from './stored.ts'

export interface RunningTarget {
  port: number
  pid: number
  /** Presses stored (the gateway only). */
  count?: () => Promise<number>
  /** Group commits so far and the presses they held (the gateway only). */
  commits?: () => Promise<{ commits: number; accepted: number }>
  child?: BenchChild<{ port: number; httpPort?: number | null; cookie?: string | null }>
  /** Milliseconds from the process's start to its broker listening (the Node targets). */
  startMs?: number
  /**
   * The (box, seq) pairs in the system's store for one boot, read from its file (also after a
   * crash); absent for the brokers, which store nothing.
   */
  stored?: (boot: string) => Promise<Map<string, Set<number>>>
  /** True when PUBACK comes before the store has the press (the peer), so storing is measured apart. */
  acksBeforeStore?: boolean
  /** kill -9 of every process of the system, as a crash mid-run. */
  crash(): Promise<void>
  stop(): Promise<void>
}

export interface Target {
  key: string
  label: string
  /** Why this target cannot run here, or null. */
  unavailable(): string | null
  start(opts: { boxes: number; execArgv?: string[]; http?: boolean; log?: (line: string) => void }): Promise<RunningTarget>
}

const here = (p: string) => new URL(p, import.meta.url)

async function nodeTarget(name: string, file: string, args: string[] = [], execArgv: string[] = [], plain = false): Promise<RunningTarget> {
  const child = await BenchChild.start<{ port: number; httpPort?: number | null; cookie?: string | null }>(name, here(file), args, { execArgv, plain, readyTimeoutMs: 120_000 })
  return {
    port: child.ready.port,
    pid: child.pid,
    child,
    startMs: child.startMs,
    async crash() {
      process.kill(child.pid, 'SIGKILL')
      await child.stop()
    },
    stop: () => child.stop(60_000),
  }
}

/** The presses of one boot in a gateway's database file, read by a connection of our own. */
function gatewayStored(dataDir: string, boot: string): Map<string, Set<number>> {
  const db = new Database(join(dataDir, DB_FILE), { fileMustExist: true, timeout: 5000 })
  try {
    return seqsByBox(db.prepare('SELECT box_id AS box, seq FROM presses WHERE boot = ?').iterate(boot) as Iterable<{ box: string; seq: number }>)
  } finally {
    db.close()
  }
}

export const GATEWAY_MODULE = fileURLToPath(new URL('../../gateway/gateway.ts', import.meta.url))

let built: Promise<void> | null = null
/** `npm run build` once per benchmark run, so the compiled gateway is never a stale dist/. */
function buildOnce(): Promise<void> {
  built ??= promisify(execFile)('npm', ['run', 'build'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 600_000 }).then(() => undefined)
  return built
}

async function gatewayTarget(name: string, opts: { boxes: number; execArgv?: string[]; http?: boolean; compiled: boolean }): Promise<RunningTarget> {
  if (opts.compiled) await buildOnce()
  const dataDir = provisionedDataDir(opts.boxes)
  try {
    const args = [JSON.stringify({ dataDir, timezone: TIMEZONE, http: opts.http, compiled: opts.compiled })]
    const t = await nodeTarget(name, '../targets/gateway.js', args, opts.execArgv, opts.compiled)
    return {
      ...t,
      count: () => t.child!.request<number>('count'),
      commits: () => t.child!.request<{ commits: number; accepted: number }>('stats'),
      stored: async (boot) => gatewayStored(dataDir, boot),
      stop: async () => {
        await t.stop()
        removeDataDir(dataDir)
      },
    }
  } catch (err) {
    removeDataDir(dataDir)
    throw err
  }
}

export const TARGETS: Record<string, Target> = {
  null: {
    key: 'null',
    label: 'generator ceiling (null broker)',
    unavailable: () => null,
    start: () => nodeTarget('null broker', '../targets/null-broker.ts'),
  },
  aedes: {
    key: 'aedes',
    label: '(a) bare Aedes 1.2.0',
    unavailable: () => null,
    start: ({ execArgv }) => nodeTarget('bare aedes', '../targets/aedes-bare.js', [], execArgv, true),
  },
  mosquitto: {
    key: 'mosquitto',
    label: '(b) Mosquitto',
    unavailable: () => (existsSync(MOSQUITTO_BIN) ? null : `${MOSQUITTO_BIN} not found: apt-get install mosquitto`),
    start: async () => {
      const m = await startMosquitto()
      return { port: m.port, pid: m.pid!, crash: () => m.stop({ kill: true }), stop: () => m.dispose() }
    },
  },
  nodered: {
    key: 'nodered',
    label: `(d) Mosquitto → Node-RED ${NODE_RED_VERSION} → SQLite`,
    unavailable: () => (existsSync(MOSQUITTO_BIN) ? null : `${MOSQUITTO_BIN} not found: apt-get install mosquitto`),
    start: async ({ log }) => {
      await ensureNodeRed(log ?? (() => {}))
      const peer = await startNodeRedPeer()
      return {
        port: peer.port,
        pid: peer.pids[1],
        acksBeforeStore: true,
        stored: async (boot) => peer.stored(boot),
        count: async () => peer.count(),
        crash: () => peer.crash(),
        stop: () => peer.stop(),
      }
    },
  },
  gateway: {
    key: 'gateway',
    label: '(c) gateway',
    unavailable: () => (existsSync(GATEWAY_MODULE) ? null : 'gateway/gateway.ts does not exist yet'),
    start: (opts) => gatewayTarget('gateway', { ...opts, compiled: false }),
  },
  gatewayCompiled: {
    key: 'gateway-dist',
    label: '(c) gateway, compiled',
    unavailable: () => (existsSync(GATEWAY_MODULE) ? null : 'gateway/gateway.ts does not exist yet'),
    start: (opts) => gatewayTarget('gateway (compiled)', { ...opts, compiled: true }),
  },
}
