/**
 * The MQTT link against a real gateway broker that goes away: presses made while the broker
 * is down wait in the durable queue, the link reconnects with backoff when it returns, and
 * every press is stored exactly once. Also the contract's will and retained status.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { MqttLink } from '../../firmware/mqtt-link.ts'
import { registerCleanup, runFileCleanups } from '../helpers/cleanup.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { nextReady, pressButton, sleep, startBox, startUno, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

describe('MQTT link', () => {
  it('keeps presses queued while the broker is down and delivers each once when it is back', async () => {
    const dataDir = tempDir('chamdiem-gw-')
    let t = await startTestGateway({ registry: OFFICE, dataDir })
    const port = t.gw.mqttPort
    const uno = await startUno()
    const link = new MqttLink({ url: t.mqttUrl, boxId: 'box-2', secret: SECRET('box-2'), reconnect: { minMs: 100, maxMs: 400 } })
    const box = await startBox(uno, link, { boxId: 'box-2', cooldownMs: 0 })
    await nextReady(box)
    await sleep(50)

    const acked = new Promise((r) => box.once('acked', r))
    await pressButton(uno, 0)
    await acked

    const down = new Promise((r) => link.once('down', r))
    await t.stop()
    await down
    const downAt = Date.now()
    await pressButton(uno, 1)
    await sleep(60)
    await pressButton(uno, 2)
    await waitFor('two presses queued', () => box.queued === 2)
    await sleep(500) // a few reconnect attempts fail meanwhile

    t = await startTestGateway({ registry: OFFICE, dataDir, config: { mqtt: { port } } })
    const upAt = Date.now()
    await waitFor('the queue drained', () => box.queued === 0, 20_000)
    const rows = t.gw.db.prepare('SELECT seq, rating, age_ms FROM presses WHERE box_id = ? ORDER BY seq').all('box-2') as Array<{
      seq: number
      rating: string
      age_ms: number
    }>
    expect(rows.map(({ seq, rating }) => ({ seq, rating }))).toEqual([
      { seq: 1, rating: 'positive' },
      { seq: 2, rating: 'neutral' },
      { seq: 3, rating: 'negative' },
    ])
    // Queued through the outage: dated by their age, not by when they arrived.
    expect(rows[1].age_ms).toBeGreaterThanOrEqual(upAt - downAt - 100)
  })

  it('says it is online, shows offline when its connection drops, and comes back by itself', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const uno = await startUno()
    const link = new MqttLink({ url: t.mqttUrl, boxId: 'box-3', secret: SECRET('box-3') })
    const box = await startBox(uno, link, { boxId: 'box-3' })
    await nextReady(box)
    const seen: Array<{ state: string }> = []
    t.gw.bus.on('boxStatus', 'test', (change) => {
      if (change.boxId === 'box-3') seen.push({ state: change.state })
    })
    await waitFor('the online status', () => seen.some((s) => s.state === 'online'))
    // Cut the TCP connection without a DISCONNECT: the broker publishes the will (MQTT-3.1.2-8).
    const client = (link as unknown as { client: { stream: { destroy(): void } } }).client
    client.stream.destroy()
    await waitFor('the offline will', () => seen.at(-1)?.state === 'offline')
    // And the link comes back by itself.
    await waitFor('online again', () => seen.at(-1)?.state === 'online', 20_000)
  })

  it('reports a refused login (wrong secret) and keeps retrying with backoff', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const link = new MqttLink({ url: t.mqttUrl, boxId: 'box-1', secret: 'not-the-secret', reconnect: { minMs: 50, maxMs: 200 } })
    const errors: Error[] = []
    link.on('error', (err) => errors.push(err))
    registerCleanup(() => link.stop())
    await link.start()
    await waitFor('two refused attempts', () => errors.length >= 2)
    expect(errors[0].message).toMatch(new RegExp(`^broker mqtt://127\\.0\\.0\\.1:${t.gw.mqttPort}: .*(not authori[sz]ed|bad user ?name or password)`, 'i'))
    expect(errors[0].message).not.toContain('not-the-secret')
    expect(link.isUp).toBe(false)
    await expect(link.sendPress({ seq: 1, boot: 'b', rating: 'positive', ageMs: 0 })).rejects.toThrow('not connected')
  })
})
