/**
 * A gateway process killed with SIGKILL while forwarding, then started again on the same
 * SQLite file: every press reaches InfluxDB 1.6.7, none twice.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { Db } from '../../gateway/store/database.ts'
import mqtt from 'mqtt'
import { pressTopic } from '../../protocol/index.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { PressFactory, expectedPoints, pointKey } from './fixtures/presses.ts'
import { startFaultProxy } from './fixtures/fault-proxy.ts'
import { patience, tempDb } from './fixtures/setup.ts'

const CHILD = fileURLToPath(new URL('./fixtures/forwarder-child.ts', import.meta.url))
const GATEWAY_CHILD = fileURLToPath(new URL('./fixtures/gateway-child.ts', import.meta.url))

let influx: InfluxDb1Server
let dbCounter = 0
beforeAll(async () => {
  influx = await startInfluxDb1({ database: null })
})

interface Child {
  process: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  batches: () => number
}

/** Starts the forwarder in its own process; killed (SIGKILL) when the test ends if still running. */
function startChild(dbFile: string, influxSection: Record<string, unknown>, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, CHAMDIEM_DB: dbFile, CHAMDIEM_INFLUX: JSON.stringify(influxSection), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let batches = 0
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    batches += chunk.split('\n').filter((l) => l.includes('"written"')).length
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { process: child, exited, batches: () => batches }
}

async function pointsIn(database: string): Promise<string[]> {
  const rows = await influx.query('SELECT * FROM press', { database })
  return rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()
}

function cursorOf(db: Db): number {
  const row = db.prepare("SELECT last_press_id FROM forwarder_cursors WHERE name = 'influx'").get() as { last_press_id: number } | undefined
  return row?.last_press_id ?? 0
}

describe('forwarder process killed with SIGKILL', () => {
  it('after the server accepted a batch but before the cursor moved: the batch is re-sent and counted once', async () => {
    const database = `crash${++dbCounter}`
    await influx.exec(`CREATE DATABASE "${database}"`)
    const { db, file } = tempDb()
    new PressFactory(db, { seed: 21 }).insert(3000)
    const section = { api: 'v1', url: influx.url, database, batchSize: 1000, flushIntervalMs: 100 }

    const first = startChild(file, section, { CRASH_AFTER_WRITES: '2' })
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' })
    // The server has two batches; the cursor records only the first.
    expect((await pointsIn(database)).length).toBe(2000)
    expect(cursorOf(db)).toBe(1000)

    const second = startChild(file, section)
    await expect.poll(() => cursorOf(db), patience('the restarted forwarder to catch up')).toBe(3000)
    second.process.kill('SIGTERM')
    await second.exited
    const points = await pointsIn(database)
    expect(points).toHaveLength(3000)
    expect(points).toEqual(expectedPoints(db))
  })

  it('at a random moment while presses keep arriving: every press arrives exactly once', async () => {
    const database = `crash${++dbCounter}`
    await influx.exec(`CREATE DATABASE "${database}"`)
    const { db, file } = tempDb()
    const presses = new PressFactory(db, { seed: 23 })
    presses.insert(5000)
    const section = { api: 'v1', url: influx.url, database, batchSize: 250, flushIntervalMs: 50 }

    for (let round = 0; round < 3; round++) {
      const child = startChild(file, section)
      // Kill it once it has written something but not everything.
      const before = cursorOf(db)
      await expect.poll(() => child.batches() > 0 || cursorOf(db) > before, patience(`round ${round}: some batches written`)).toBe(true)
      presses.insert(700)
      child.process.kill('SIGKILL')
      expect(await child.exited).toMatchObject({ signal: 'SIGKILL' })
    }
    const last = startChild(file, section)
    const total = (db.prepare('SELECT max(id) AS n FROM presses').get() as { n: number }).n
    await expect.poll(() => cursorOf(db), patience('the last forwarder to catch up')).toBe(total)
    last.process.kill('SIGTERM')
    await last.exited

    const points = await pointsIn(database)
    expect(points).toHaveLength(5000 + 3 * 700)
    expect(points).toEqual(expectedPoints(db))
  })
})

describe('real gateway killed with SIGKILL', () => {
  /** The gateway of gateway/gateway.ts in a child process, with the forwarder as its optional part. */
  async function startGatewayChild(dataDir: string, influxSection: Record<string, unknown>) {
    const config = { dataDir, logLevel: 'silent', registry: OFFICE, mqtt: { host: '127.0.0.1', port: 0, wsPort: null }, http: { enabled: false }, influx: null }
    const child = spawn(process.execPath, ['--import', 'tsx', GATEWAY_CHILD], {
      env: { ...process.env, CHAMDIEM_TEST_CONFIG: JSON.stringify(config), CHAMDIEM_TEST_INFLUX: JSON.stringify(influxSection) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<{ signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (_code, signal) => resolve({ signal })))
    onTestFinished(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    })
    const mqttPort = await new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const m = /"mqttPort":(\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      void exited.then(() => reject(new Error(`gateway exited before listening: ${out}`)))
    })
    return { child, exited, mqttPort }
  }

  async function pressFromBoxes(mqttPort: number, from: number, n: number): Promise<void> {
    const clients = await Promise.all(
      ['box-1', 'box-2'].map((box) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: box, password: SECRET(box), clientId: box, reconnectPeriod: 0 }),
      ),
    )
    try {
      for (let seq = from; seq < from + n; seq++) {
        // QoS 1: resolved once the gateway has committed the press.
        await Promise.all(clients.map((c, i) => c.publishAsync(pressTopic(`box-${i + 1}`), press(seq, 'positive'), { qos: 1 })))
      }
    } finally {
      for (const c of clients) c.end(true)
    }
  }

  it('killed after InfluxDB accepted a batch, before the gateway recorded it: restarted, every press is in InfluxDB once', async () => {
    const database = `crash${++dbCounter}`
    await influx.exec(`CREATE DATABASE "${database}"`)
    const dataDir = tempDir('chamdiem-influx-gw-')
    const proxy = await startFaultProxy(influx.url)
    const section = { api: 'v1', url: proxy.url, database, batchSize: 100, minBackoffMs: 50, maxBackoffMs: 300 }

    const first = await startGatewayChild(dataDir, section)
    // The third write InfluxDB accepts: kill the gateway before it hears so.
    let accepted = 0
    proxy.afterUpstream = async (status) => {
      if (status === 204 && ++accepted === 3) {
        first.child.kill('SIGKILL')
        await first.exited
      }
    }
    // Boxes keep pressing until the kill cuts them off (their unacknowledged presses may or may
    // not have been stored: the comparison below is with what the store holds).
    await Promise.race([pressFromBoxes(first.mqttPort, 1, 250).catch(() => undefined), first.exited])
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' })
    proxy.afterUpstream = () => undefined

    const db = openDatabase(`${dataDir}/chamdiem.db`)
    onTestFinished(() => {
      db.close()
    })
    const inInflux = (await pointsIn(database)).length
    expect(cursorOf(db)).toBeLessThan(inInflux) // the last accepted batch is not recorded as sent

    const second = await startGatewayChild(dataDir, section)
    await pressFromBoxes(second.mqttPort, 1000, 100)
    const stored = () => (db.prepare('SELECT max(id) AS n FROM presses').get() as { n: number }).n
    await expect.poll(() => cursorOf(db) === stored(), patience('the restarted gateway to forward everything')).toBe(true)
    second.child.kill('SIGTERM')
    await second.exited

    const points = await pointsIn(database)
    expect(points.length).toBe((db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n)
    expect(points).toEqual(expectedPoints(db))
  })
})
