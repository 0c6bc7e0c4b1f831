/**
 * `chamdiem gateway` as installed: the dashboard and the InfluxDB forwarder run as optional
 * parts. An InfluxDB that is down degrades nothing else: health says what is wrong, /metrics
 * shows the backlog, and the first admin's password is printed once.
 */
import mqtt from 'mqtt'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { freePort } from '../helpers/ports.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('standard gateway parts', () => {
  it('serves health and metrics, and keeps ingesting while InfluxDB is down', async () => {
    const deadInflux = await freePort() // nothing listens there
    const dataDir = tempDir('chamdiem-std-')
    const gw = await childGateway(dataDir, {
      registry: OFFICE,
      influx: { api: 'v1', url: `http://127.0.0.1:${deadInflux}`, database: 'chamdiem', minBackoffMs: 100 },
    })
    await gw.start()
    const base = `http://127.0.0.1:${gw.httpPort}`
    await expect.poll(async () => (await fetch(`${base}/api/health`).catch(() => null))?.ok, { message: 'the dashboard to answer', timeout: 10_000 }).toBe(true)
    // The first admin's password goes to a file only the gateway's user reads, not to the log.
    const secrets = join(dataDir, 'secrets.txt')
    expect(readFileSync(secrets, 'utf8')).toMatch(/first dashboard user: admin \/ \S{12,}/)
    expect(statSync(secrets).mode & 0o777).toBe(0o600)
    expect(gw.output()).not.toMatch(/first dashboard user: admin \//)
    expect(gw.output()).toContain(`written to ${secrets}`)

    const box = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    await box.endAsync()

    const health = await vi.waitFor(
      async () => {
        const h = (await (await fetch(`${base}/api/health`)).json()) as { status: string; parts: Array<{ name: string; state: string; status?: { state: string; backlog: number } }> }
        expect(h.parts.find((p) => p.name === 'influx')?.status, 'health to show InfluxDB retrying with a backlog of 1').toMatchObject({ state: 'retrying', backlog: 1 })
        return h
      },
      { timeout: 10_000, interval: 20 },
    )
    expect(health.parts.map((p) => [p.name, p.state])).toEqual(expect.arrayContaining([['ingest', 'running'], ['broker', 'running'], ['http', 'running'], ['influx', 'running']]))

    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/^chamdiem_ingest_accepted_total 1$/m)
    expect(metrics).toMatch(/^chamdiem_presses_total\{rating="positive",repeat="false"\} 1$/m)
    expect(metrics).toMatch(/^chamdiem_influx_backlog_presses(\{[^}]*\})? 1$/m)
  })
})
