/**
 * The packet guard's header walk (MQTT 3.1.1 section 2.2.3) over every way TCP can cut the
 * bytes: what passes is byte for byte what came in, and an oversized packet is refused from
 * its header wherever the chunk boundaries fall. The end-to-end behaviour is in
 * packet-limit.test.ts.
 */
import { Duplex, PassThrough, Writable } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { PacketGuard } from '../../gateway/packet-guard.ts'

const publish = (payloadBytes: number) => mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(payloadBytes, 0x61), qos: 1, messageId: 1, retain: false, dup: false })

/** Feeds `chunks` to a guard with `limit`; returns what passed and what was refused. */
async function run(chunks: Buffer[], limit: number): Promise<{ passed: Buffer; refused: Array<[number, number]>; innerDestroyed: boolean }> {
  const inner = new PassThrough()
  const refused: Array<[number, number]> = []
  const guard = new PacketGuard(inner, { limit, onOversize: (n, first) => refused.push([n, first]) })
  const out: Buffer[] = []
  guard.on('data', (c: Buffer) => out.push(c))
  guard.on('error', () => undefined)
  for (const c of chunks) {
    if (inner.destroyed) break
    inner.write(c)
    await new Promise((r) => setImmediate(r))
  }
  return { passed: Buffer.concat(out), refused, innerDestroyed: inner.destroyed }
}

const bytewise = (b: Buffer) => [...b].map((x) => Buffer.from([x]))

describe('packet guard', () => {
  // The remaining length of publish(n) is n + 5 (topic length 2 + "t" + packet id 2).
  const stream = Buffer.concat([publish(10), publish(200), mqttPacket.generate({ cmd: 'pingreq' }), publish(4091)])

  it('passes packets up to the limit unchanged, in one chunk or cut at every byte', async () => {
    for (const chunks of [[stream], bytewise(stream), [stream.subarray(0, 3), stream.subarray(3, 250), stream.subarray(250)]]) {
      const r = await run(chunks, 4096)
      expect(r.refused).toEqual([])
      expect(Buffer.compare(r.passed, stream)).toBe(0)
    }
  })

  it('refuses a packet one byte over the limit from its header, wherever the chunks are cut, and passes nothing of it', async () => {
    const big = publish(4092) // remaining length 4097: a two-byte varint
    const before = Buffer.concat([publish(10), publish(20)])
    for (const chunks of [[Buffer.concat([before, big])], bytewise(Buffer.concat([before, big.subarray(0, 4)]))]) {
      const r = await run(chunks, 4096)
      expect(r.refused).toEqual([[4097, 0x32]])
      expect(r.innerDestroyed).toBe(true)
      // What came before may have passed, and header bytes that arrived alone; not one byte of the body.
      const upToBody = Buffer.concat([before, big.subarray(0, 3)])
      expect(r.passed.length).toBeLessThanOrEqual(upToBody.length)
      expect(upToBody.subarray(0, r.passed.length).equals(r.passed)).toBe(true)
    }
  })

  it('refuses a 100 MB announcement at the length byte that takes it over the limit, before any body byte', async () => {
    // 100 MiB as a four-byte varint: 0x80 0x80 0x80 0x32. The first three bytes alone say 0,
    // so they pass (as header bytes, four in all); the fourth is refused, and the body never passes.
    const r = await run([Buffer.from([0x10, 0x80]), Buffer.from([0x80]), Buffer.from([0x80]), Buffer.from([0x32]), Buffer.alloc(65536)], 4096)
    expect(r.refused).toEqual([[100 * 1024 * 1024, 0x10]])
    expect([...r.passed]).toEqual([0x10, 0x80, 0x80, 0x80])
  })

  // Aedes acknowledges the presses of one group commit together, and mqtt-packet writes each
  // PUBACK in three pieces inside a cork: the guard must hand them on as one write, or every
  // piece is a system call (issue 14: the gateway's ingest rose from 12.4k to 15.2k presses/s).
  it('hands what was written while corked to the connection as one write, byte for byte', async () => {
    const writes: Buffer[] = []
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (writes.push(chunk), cb()) })
    const inner = Duplex.from({ readable: new PassThrough(), writable: sink })
    const guard = new PacketGuard(inner, { limit: 4096, onOversize: () => undefined })
    const acks = [1, 2, 300].map((messageId) => ({ cmd: 'puback' as const, messageId }))
    guard.cork()
    for (const ack of acks) mqttPacket.writeToStream(ack, guard)
    await new Promise((r) => process.nextTick(r))
    guard.uncork()
    await new Promise((r) => setImmediate(r))
    expect(writes).toHaveLength(1)
    expect(Buffer.compare(writes[0], Buffer.concat(acks.map((a) => mqttPacket.generate(a))))).toBe(0)
  })
})
