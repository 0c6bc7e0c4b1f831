/**
 * The packet limit (mqtt.maxPacketBytes) holds before anything is buffered: a connection that
 * announces a huge packet is closed from the fixed header (MQTT 3.1.1 section 2.2.3), before
 * authentication too, the gateway's memory does not grow, and other boxes are served.
 */
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import mqtt from 'mqtt'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { varint } from '../../bench/load/wire.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

const MiB = 1024 * 1024
const ANNOUNCED = 100 * MiB

/** MQTT 3.1.1 section 2.2.3: the remaining length as a varint of at most four bytes. */
const remainingLength = (n: number): Buffer => Buffer.from(varint(n))

/**
 * Streams one packet that announces ANNOUNCED bytes: the header, then 64 KiB chunks as fast as
 * the gateway reads them, until it closes the connection or the whole body is sent.
 */
function streamHugePacket(port: number, first: Buffer, type: number): Promise<{ closed: boolean; sent: number }> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1')
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    let sent = 0
    let closed = false
    socket.on('error', () => undefined)
    socket.on('close', () => {
      closed = true
      resolve({ closed: sent < ANNOUNCED, sent })
    })
    const pump = () => {
      while (!closed && sent < ANNOUNCED) {
        sent += chunk.length
        if (!socket.write(chunk)) return socket.once('drain', pump)
      }
      if (!closed) setTimeout(() => socket.destroy(), 2000) // all sent and still open: the limit failed
    }
    const announce = () => {
      socket.write(Buffer.concat([Buffer.from([type]), remainingLength(ANNOUNCED)]))
      pump()
    }
    socket.on('connect', () => {
      if (first.length === 0) return announce()
      // Connect first and wait for the CONNACK: the huge packet then comes from a known box.
      socket.write(first)
      socket.once('data', (connack) => {
        if (connack[0] === 0x20 && connack[3] === 0) announce()
        else socket.destroy()
      })
    })
  })
}

/** A box (mqtt.js) publishing QoS 1 presses in a loop; resolves with how many were acknowledged. */
function keepPressing(box: MqttClient, boxId: string): { stop(): Promise<number> } {
  let running = true
  let acked = 0
  const loop = (async () => {
    for (let seq = 1; running; seq++) {
      await box.publishAsync(pressTopic(boxId), press(seq, 'positive'), { qos: 1 })
      acked++
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return acked
    },
  }
}

function rejectedRows(t: TestGateway) {
  return t.gw.db.prepare('SELECT box_id, topic, reason, length(raw) AS raw_bytes FROM rejected ORDER BY id').all()
}

function oversizeMetric(t: TestGateway): number | undefined {
  return t.gw.metrics().find((m) => m.name === 'chamdiem_mqtt_oversize_packets_total')?.value
}

const connectPacket = (boxId: string) =>
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: boxId, clean: true, keepalive: 30, username: boxId, password: Buffer.from(SECRET(boxId)) })

describe('packet limit (mqtt.maxPacketBytes)', () => {
  it('closes a connection whose CONNECT announces 100 MB before reading it; memory stays flat; other boxes are acknowledged throughout', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    expect(t.config.mqtt.maxPacketBytes).toBe(4096)
    const box2 = await t.connectBox('box-2', SECRET('box-2'))
    const other = keepPressing(box2, 'box-2')
    const before = process.memoryUsage()
    const rounds: Array<Array<{ closed: boolean; sent: number }>> = []
    for (let round = 0; round < 5; round++) {
      rounds.push(
        await Promise.all([
          // Before authentication: a CONNECT (type 1) whose fixed header announces 100 MB.
          streamHugePacket(t.gw.mqttPort, Buffer.alloc(0), 0x10),
          // After authentication: box-1 connects properly, then announces a 100 MB PUBLISH (type 3).
          streamHugePacket(t.gw.mqttPort, connectPacket('box-1'), 0x30),
        ]),
      )
    }
    const after = process.memoryUsage()
    let acked = await other.stop()
    console.log(
      `packet limit: rss ${(before.rss / MiB).toFixed(1)} -> ${(after.rss / MiB).toFixed(1)} MiB, arrayBuffers ${(before.arrayBuffers / MiB).toFixed(1)} -> ${(after.arrayBuffers / MiB).toFixed(1)} MiB; ` +
        `bytes sent before the close (most in socket buffers): ${rounds.flat().map((r) => r.sent).join(', ')}; other box acked ${acked}`,
    )
    expect(rounds.flat().map((r) => r.closed)).toEqual(Array(10).fill(true))
    expect(after.rss - before.rss).toBeLessThan(8 * MiB)
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * MiB)
    expect(acked).toBeGreaterThan(0)
    await box2.publishAsync(pressTopic('box-2'), press(10_000, 'positive'), { qos: 1 })
    acked++
    expect(t.gw.db.prepare("SELECT count(*) AS n FROM presses WHERE box_id = 'box-2'").get()).toEqual({ n: acked })
    // Shown with the rejected messages, without payload (once a minute per address or box); counted in /metrics.
    expect(rejectedRows(t)).toEqual([
      { box_id: null, topic: 'mqtt:CONNECT', reason: `packet too large: ${ANNOUNCED} bytes announced, limit 4096`, raw_bytes: 0 },
      { box_id: 'box-1', topic: 'mqtt:PUBLISH', reason: `packet too large: ${ANNOUNCED} bytes announced, limit 4096`, raw_bytes: 0 },
    ])
    expect(oversizeMetric(t)).toBe(10)
    expect(t.gw.health().ok).toBe(true)
  })

  it('records a box once a minute however often it repeats, and counts every time', async () => {
    const t = await startTestGateway({ registry: OFFICE, config: { mqtt: { maxPacketBytes: 1024 } } })
    for (let i = 0; i < 3; i++) {
      const box = await t.connectBox('box-1', SECRET('box-1'))
      const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
      box.publish(pressTopic('box-1'), Buffer.alloc(2000, 0x20), { qos: 1 })
      await closed
    }
    expect(oversizeMetric(t)).toBe(3)
    expect(rejectedRows(t)).toEqual([{ box_id: 'box-1', topic: 'mqtt:PUBLISH', reason: `packet too large: ${2000 + 2 + pressTopic('box-1').length + 2} bytes announced, limit 1024`, raw_bytes: 0 }])
    // A packet at the limit still passes (and is judged by its content as before).
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'negative'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id, rating FROM presses').all()).toEqual([{ box_id: 'box-1', rating: 'negative' }])
  })

  it('shows the refusal on /metrics and with the rejected messages of the dashboard API', async () => {
    const t = await startTestGateway({ registry: OFFICE, standardParts: true })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
    box.publish(pressTopic('box-1'), Buffer.alloc(5000, 0x20), { qos: 1 })
    await closed
    const cookie = await loginFirstAdmin(t.gw.httpUrl!, t.gw.notices.firstAdmin!)
    const metrics = await (await fetch(new URL('/metrics', t.gw.httpUrl!))).text()
    expect(metrics).toMatch(/^chamdiem_mqtt_oversize_packets_total 1$/m)
    expect(metrics).toMatch(/^chamdiem_rejected_total 1$/m)
    const { rejected } = (await (await fetch(new URL('/api/rejected', t.gw.httpUrl!), { headers: { cookie } })).json()) as { rejected: unknown[] }
    expect(rejected).toMatchObject([{ boxId: 'box-1', topic: 'mqtt:PUBLISH', reason: `packet too large: ${5000 + 2 + pressTopic('box-1').length + 2} bytes announced, limit 4096`, raw: '' }])
  })

  it('refuses mosquitto_pub -s with a 1 MB message', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const other = await t.connectBox('box-2', SECRET('box-2'))
    const file = join(tempDir('chamdiem-pub-'), 'big.json')
    writeFileSync(file, Buffer.alloc(MiB, 0x7b))
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        '/usr/bin/mosquitto_pub',
        ['-h', '127.0.0.1', '-p', String(t.gw.mqttPort), '-i', 'box-1', '-u', 'box-1', '-P', SECRET('box-1'), '-t', pressTopic('box-1'), '-q', '1', '-s'],
        { timeout: 20_000 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr }),
      )
      child.stdin!.on('error', () => undefined)
      child.stdin!.end(readFileSync(file))
    })
    expect(result.code).not.toBe(0)
    expect(rejectedRows(t)).toEqual([{ box_id: 'box-1', topic: 'mqtt:PUBLISH', reason: `packet too large: ${MiB + 2 + pressTopic('box-1').length + 2} bytes announced, limit 4096`, raw_bytes: 0 }])
    expect(t.gw.db.prepare('SELECT count(*) AS n FROM presses').get()).toEqual({ n: 0 })
    await other.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
  })

  it('closes a WebSocket connection on a frame over the limit, and on an MQTT packet over it split into small frames', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    // One 100 KiB frame before any CONNECT: ws refuses it from the frame header (1009).
    const ws = new WebSocket(t.wsUrl!, 'mqtt')
    await new Promise((resolve) => ws.once('open', resolve))
    const code = await new Promise<number>((resolve) => {
      ws.once('close', (c) => resolve(c))
      ws.send(Buffer.alloc(100 * 1024))
    })
    expect(code).toBe(1009)
    // mqtt.js over ws:// writes a packet in several frames: the packet guard refuses it.
    const box = await mqtt.connectAsync(t.wsUrl!, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
    box.publish(pressTopic('box-1'), Buffer.alloc(10_000, 0x20), { qos: 1 })
    await closed
    box.end(true)
    expect(rejectedRows(t)).toEqual([
      { box_id: null, topic: 'websocket', reason: 'packet too large: a WebSocket frame over 4101 bytes, limit 4096', raw_bytes: 0 },
      { box_id: 'box-1', topic: 'mqtt:PUBLISH', reason: `packet too large: ${10_000 + 2 + pressTopic('box-1').length + 2} bytes announced, limit 4096`, raw_bytes: 0 },
    ])
    expect(oversizeMetric(t)).toBe(2)
  })
})
