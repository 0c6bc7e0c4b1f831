/**
 * A real gateway for tests: real Aedes on free loopback ports, SQLite on disk in a temp dir,
 * stopped and removed when the test (or file) is done. `connectBox` gives a real mqtt.js
 * client authenticated as a box.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { resolveConfig, type GatewayConfig } from '../../gateway/config.ts'
import type { RegistryConfig } from '../../gateway/config-schema.ts'
import { Gateway, type GatewayOptions } from '../../gateway/gateway.ts'
import { addStandardParts, type StandardPartsOptions } from '../../gateway/parts.ts'
import type { Logger } from '../../gateway/log.ts'
import { registerCleanup } from './cleanup.ts'
import { testLogger } from './log.ts'
import { tempDir } from './tmp.ts'

export interface TestGatewayOptions {
  registry?: Partial<RegistryConfig>
  /** Deep-merged over the defaults (ports are 0 = free, host 127.0.0.1). */
  config?: Record<string, unknown>
  dataDir?: string
  now?: () => number
  /** The clock guard's reading of the host's time service (none runs in the sandbox). */
  readClockSync?: GatewayOptions['readClockSync']
  monotonic?: GatewayOptions['monotonic']
  /** The integrity check at start (tests that end the real check at a chosen moment). */
  checkIntegrity?: GatewayOptions['checkIntegrity']
  /** Do not start: for tests that register optional parts first. */
  noStart?: boolean
  /** The gateway's logger (default: silent, or CHAMDIEM_TEST_LOG's level); tests that check what is logged pass one. */
  log?: Logger
  /** Add the standard optional parts (USB boxes, InfluxDB, HTTP), as `chamdiem gateway` does. */
  standardParts?: boolean | StandardPartsOptions
}

export interface TestGateway {
  gw: Gateway
  config: GatewayConfig
  dataDir: string
  mqttUrl: string
  wsUrl: string | null
  connectBox(boxId: string, secret: string, opts?: IClientOptions): Promise<MqttClient>
  stop(): Promise<void>
}

/** A logger that keeps every line (as parsed JSON) for assertions. */
export function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { log, lines }
}

export function testConfig(dataDir: string, opts: TestGatewayOptions = {}): GatewayConfig {
  const base = {
    dataDir,
    mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
    http: { host: '127.0.0.1', port: 0 },
    registry: { offices: [], counters: [], officers: [], boxes: [], shifts: [], ...opts.registry },
  }
  return resolveConfig(merge(base, opts.config ?? {}), '(test)', {})
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? tempDir('chamdiem-gw-')
  const config = testConfig(dataDir, opts)
  const gw = new Gateway({
    config,
    log: opts.log ?? testLogger(),
    now: opts.now,
    monotonic: opts.monotonic,
    readClockSync: opts.readClockSync ?? (async () => ({ synchronised: true, source: 'chrony' })),
    checkIntegrity: opts.checkIntegrity,
  })
  const clients: MqttClient[] = []
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
    await gw.stop()
  }
  registerCleanup(stop)
  if (opts.standardParts) addStandardParts(gw, opts.standardParts === true ? {} : opts.standardParts)
  if (!opts.noStart) await gw.start()
  const t: TestGateway = {
    gw,
    config,
    dataDir,
    get mqttUrl() {
      return `mqtt://127.0.0.1:${gw.mqttPort}`
    },
    get wsUrl() {
      return gw.wsPort ? `ws://127.0.0.1:${gw.wsPort}` : null
    },
    async connectBox(boxId, secret, clientOpts = {}) {
      const client = await mqtt.connectAsync(t.mqttUrl, {
        username: boxId,
        password: secret,
        clientId: boxId, // the contract's client id rule

        reconnectPeriod: 0,
        ...clientOpts,
      })
      clients.push(client)
      return client
    },
    stop,
  }
  return t
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}
