/**
 * How the forwarder meets servers that refuse: overloaded (429 + Retry-After, 503), a batch
 * too large (413), bad credentials (401), a batch that can never be written (400), points
 * older than the retention policy. Real InfluxDB 1.6.7 and VictoriaMetrics behind a proxy
 * that injects the HTTP failures real servers give; the 400 and retention cases are real.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'
import { startVictoriaMetrics, type VictoriaMetricsServer } from '../helpers/servers/victoria-metrics.ts'
import { formatPrometheus } from '../../gateway/metrics.ts'
import { PressFactory, expectedPoints, pointKey } from './fixtures/presses.ts'
import { startFaultProxy } from './fixtures/fault-proxy.ts'
import { influxConfig, patience, startForwarder, tempDb } from './fixtures/setup.ts'

let influx: InfluxDb1Server
let vm: VictoriaMetricsServer
let dbCounter = 0
beforeAll(async () => {
  ;[influx, vm] = await Promise.all([startInfluxDb1({ database: null }), startVictoriaMetrics()])
})

async function freshDatabase(extra = ''): Promise<string> {
  const name = `f${++dbCounter}`
  await influx.exec(`CREATE DATABASE "${name}"${extra}`)
  return name
}

async function pointsIn(database: string): Promise<string[]> {
  const rows = await influx.query('SELECT * FROM press', { database })
  return rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()
}

describe.each(['v1', 'v2'] as const)('%s writer behind a failing proxy', (api) => {
  const section = (url: string, database: string) =>
    api === 'v1' ? { api, url, database } : { api, url, org: 'chamdiem', bucket: database, token: 'secret-token' }
  const upstream = () => (api === 'v1' ? influx.url : vm.url)

  it('429 with Retry-After: waits at least as long as asked, then writes everything once', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    new PressFactory(db, { seed: 41 }).insert(600)
    const proxy = await startFaultProxy(upstream())
    let refusals = 2
    proxy.decide = () => (refusals-- > 0 ? { status: 429, headers: { 'retry-after': '1' }, body: '{"message":"slow down"}' } : undefined)
    const forwarder = startForwarder({ db, config: influxConfig({ ...section(proxy.url, database), batchSize: 200 }) })
    await expect.poll(() => forwarder.status().state, patience('a retry')).toBe('retrying')
    const s = forwarder.status()
    expect(s.lastError).toMatchObject({ status: 429 })
    expect(s.nextAttemptAt! - s.lastError!.at).toBeGreaterThanOrEqual(990)
    await forwarder.drained()
    expect(proxy.log.map((r) => r.status)).toEqual([429, 429, ...proxy.log.slice(2).map(() => 204)])
    if (api === 'v1') expect(await pointsIn(database)).toEqual(expectedPoints(db))
    expect(forwarder.status()).toMatchObject({ state: 'ok', pointsWritten: 600, writeErrors: 2 })
  })

  it('503 is retried with backoff until the server answers', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    new PressFactory(db, { seed: 43 }).insert(300)
    const proxy = await startFaultProxy(upstream())
    let refusals = 4
    proxy.decide = () => (refusals-- > 0 ? { status: 503, body: 'upstream busy' } : undefined)
    const forwarder = startForwarder({ db, config: influxConfig(section(proxy.url, database)) })
    await forwarder.drained()
    expect(proxy.log.filter((r) => r.status === 503)).toHaveLength(4)
    if (api === 'v1') expect(await pointsIn(database)).toEqual(expectedPoints(db))
  })

  it('413: halves the batch until the server takes it', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    new PressFactory(db, { seed: 47 }).insert(1000)
    const proxy = await startFaultProxy(upstream())
    proxy.decide = ({ body }) => (body.toString().split('\n').length > 300 ? { status: 413, body: '{"error":"Request Entity Too Large"}' } : undefined)
    const forwarder = startForwarder({ db, config: influxConfig({ ...section(proxy.url, database), batchSize: 1000 }) })
    await forwarder.drained()
    const accepted = proxy.log.filter((r) => r.status === 204)
    expect(accepted.every((r) => r.lines <= 300)).toBe(true)
    expect(accepted.reduce((n, r) => n + r.lines, 0)).toBe(1000)
    if (api === 'v1') expect(await pointsIn(database)).toEqual(expectedPoints(db))
  })

  it('401: stops loudly, keeps the backlog, and resumes by itself once the credentials are accepted', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    new PressFactory(db, { seed: 53 }).insert(500)
    const proxy = await startFaultProxy(upstream())
    let fixed = false
    proxy.decide = () => (fixed ? undefined : { status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' })
    const forwarder = startForwarder({ db, config: influxConfig({ ...section(proxy.url, database), recheckMs: 300 }) })
    await expect.poll(() => forwarder.status().state, patience('the forwarder to stop')).toBe('stopped')
    const s = forwarder.status()
    expect(s.backlog).toBe(500)
    expect(s.lastError?.message).toContain('HTTP 401: unauthorized access (check influx.token, or influx.username/password)')
    const text = formatPrometheus(forwarder.metrics())
    expect(text).toContain('chamdiem_influx_backlog_presses{forwarder="influx"} 500')
    expect(text).toContain('chamdiem_influx_state{forwarder="influx",state="stopped"} 1')
    // The secret is nowhere in what status and metrics show.
    expect(JSON.stringify(s) + text).not.toContain('secret-token')

    fixed = true
    await forwarder.drained()
    expect(forwarder.status().state).toBe('ok')
    if (api === 'v1') expect(await pointsIn(database)).toEqual(expectedPoints(db))
  })
})

describe('InfluxDB 1.6.7 refusing points for good', () => {
  it('a batch the server cannot take (field type conflict, HTTP 400) stops forwarding and keeps the backlog', async () => {
    const database = await freshDatabase()
    // Someone else wrote `value` as a float into `press`: our integers now conflict.
    // (InfluxDB 1.x keeps field types per shard: the float goes in the shard of the presses.)
    const at = BigInt(Date.now() - 24 * 3600 * 1000) * 1_000_000n
    const res = await fetch(`${influx.url}/write?db=${database}`, { method: 'POST', body: `press,box=other value=1.5 ${at}` })
    expect(res.status).toBe(204)
    const { db } = tempDb()
    new PressFactory(db, { seed: 59 }).insert(200)
    const forwarder = startForwarder({ db, config: influxConfig({ api: 'v1', url: influx.url, database, recheckMs: 60_000 }) })
    await expect.poll(() => forwarder.status().state, patience('the forwarder to stop')).toBe('stopped')
    expect(forwarder.status().lastError).toMatchObject({ status: 400 })
    expect(forwarder.status().lastError?.message).toMatch(/field type conflict/)
    expect(forwarder.status().backlog).toBe(200)
  })

  it('points older than the retention policy are dropped by the server and do not jam the outbox', async () => {
    const database = await freshDatabase(' WITH DURATION 1h')
    const { db } = tempDb()
    const presses = new PressFactory(db, { seed: 61, startMs: Date.now() - 3 * 3600 * 1000 })
    presses.insert(300) // three hours old: beyond the 1 h policy
    presses.advance(3 * 3600 * 1000 - 60_000)
    const recent = presses.insert(300)
    const forwarder = startForwarder({ db, config: influxConfig({ api: 'v1', url: influx.url, database, batchSize: 250 }) })
    await forwarder.drained()
    expect(forwarder.status()).toMatchObject({ state: 'ok', backlog: 0, pointsDropped: 300, pointsWritten: 300 })
    expect(await pointsIn(database)).toHaveLength(recent.length)
  })
})
