/** The exact-topic index of retained messages answers like the stock persistence, only faster. */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { exactRetainedPersistence } from '../../gateway/retained-index.ts'
import { registerCleanup } from '../helpers/cleanup.ts'

async function retainedSeenBy(port: number, filter: string): Promise<string[]> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })
  const seen: string[] = []
  c.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.push(`${topic}=${payload}`)
  })
  await c.subscribeAsync(filter, { qos: 1 })
  await new Promise((r) => setTimeout(r, 100)) // retained messages follow the SUBACK at once
  await c.endAsync()
  return seen.sort()
}

describe('exact retained index', () => {
  it('delivers, replaces and clears retained messages for exact and wildcard subscriptions', async () => {
    const broker = await Aedes.createBroker({ persistence: exactRetainedPersistence() as never })
    const server = createServer((s) => broker.handle(s))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    registerCleanup(async () => {
      await new Promise<void>((r) => broker.close(() => r()))
      await new Promise<void>((r) => server.close(() => r()))
    })
    const port = (server.address() as { port: number }).port
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })
    await pub.publishAsync('a/1', 'one', { qos: 1, retain: true })
    await pub.publishAsync('a/2', 'two', { qos: 1, retain: true })
    await pub.publishAsync('a/2', 'two again', { qos: 1, retain: true })
    await pub.publishAsync('a/3', 'three', { qos: 1, retain: true })
    await pub.publishAsync('a/3', '', { qos: 1, retain: true }) // MQTT-3.3.1-10: clears it
    await pub.endAsync()
    expect(await retainedSeenBy(port, 'a/2')).toEqual(['a/2=two again'])
    expect(await retainedSeenBy(port, 'a/3')).toEqual([])
    expect(await retainedSeenBy(port, 'a/9')).toEqual([])
    expect(await retainedSeenBy(port, 'a/+')).toEqual(['a/1=one', 'a/2=two again'])
  })
})
