/** The exact-topic index of retained messages answers like the stock persistence, only faster. */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { exactRetainedPersistence, type RetainedSource } from '../../gateway/retained-index.ts'
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

async function startBroker(sources: RetainedSource[] = []): Promise<number> {
  const broker = await Aedes.createBroker({ persistence: exactRetainedPersistence(sources) as never })
  const server = createServer((s) => broker.handle(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  registerCleanup(async () => {
    await new Promise<void>((r) => broker.close(() => r()))
    await new Promise<void>((r) => server.close(() => r()))
  })
  return (server.address() as { port: number }).port
}

/** A source as the config publisher is one: messages by topic, held by their owner. */
function mapSource(messages: Map<string, string>): RetainedSource {
  return {
    retained: (topic) => (messages.has(topic) ? Buffer.from(messages.get(topic)!) : undefined),
    retainedTopics: () => messages.keys(),
  }
}

describe('exact retained index', () => {
  it('delivers, replaces and clears retained messages for exact and wildcard subscriptions', async () => {
    const port = await startBroker()
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

  it('asks a source for the topics it keeps: its current message, over one stored for the same topic', async () => {
    const held = new Map([
      ['b/1/config', 'config one'],
      ['b/2/config', 'config two'],
    ])
    const port = await startBroker([mapSource(held)])
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })
    await pub.publishAsync('b/1/status', 'online', { qos: 1, retain: true })
    await pub.publishAsync('b/2/config', 'stale copy', { qos: 1, retain: true })
    await pub.endAsync()
    expect(await retainedSeenBy(port, 'b/1/config')).toEqual(['b/1/config=config one'])
    expect(await retainedSeenBy(port, 'b/2/config')).toEqual(['b/2/config=config two'])
    expect(await retainedSeenBy(port, 'b/+/config')).toEqual(['b/1/config=config one', 'b/2/config=config two'])
    expect(await retainedSeenBy(port, 'b/1/#')).toEqual(['b/1/config=config one', 'b/1/status=online'])

    // The owner changes or drops a message: subscribers from then on see that, nothing kept.
    held.set('b/1/config', 'config one, changed')
    held.delete('b/2/config')
    expect(await retainedSeenBy(port, 'b/1/config')).toEqual(['b/1/config=config one, changed'])
    expect(await retainedSeenBy(port, 'b/2/config')).toEqual(['b/2/config=stale copy'])
  })
})
