/**
 * The few MQTT 3.1.1 packets the load generator needs, built by hand so that the generator
 * costs far less per message than any broker it measures: CONNECT comes from mqtt-packet
 * (once per connection), QoS 1 PUBLISH is a few byte copies, and incoming packets are only
 * framed, never fully parsed.
 */
import mqttPacket from 'mqtt-packet'

export const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00])
export const PINGREQ = Buffer.from([0xc0, 0x00])

export function connect(clientId: string, username: string, password: string, keepalive: number): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive,
    username,
    password: Buffer.from(password),
  })
}

export function puback(packetId: number): Buffer {
  return Buffer.from([0x40, 0x02, packetId >> 8, packetId & 0xff])
}

/** Remaining Length encoding (MQTT-2.2.3). */
export function varint(n: number): number[] {
  const out: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return out
}

/** A QoS 1 PUBLISH (MQTT-3.3): DUP 0, QoS 1, RETAIN 0. */
export function publishQos1(topic: Buffer, packetId: number, payload: Buffer): Buffer {
  const remaining = 2 + topic.length + 2 + payload.length
  const head = varint(remaining)
  const buf = Buffer.allocUnsafe(1 + head.length + remaining)
  let o = 0
  buf[o++] = 0x32
  for (const b of head) buf[o++] = b
  buf.writeUInt16BE(topic.length, o)
  o += 2
  o += topic.copy(buf, o)
  buf.writeUInt16BE(packetId, o)
  o += 2
  payload.copy(buf, o)
  return buf
}

/**
 * Splits a byte stream into MQTT packets and calls `onPacket(type, flags, body)` for each.
 * `body` is a view into the received chunk when the packet lies in one chunk (no copy).
 */
export class PacketReader {
  private pending: Buffer | null = null

  constructor(private readonly onPacket: (type: number, flags: number, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = null
    let o = 0
    while (o < buf.length) {
      if (buf.length - o < 2) break
      let len = 0
      let mult = 1
      let i = o + 1
      let complete = false
      for (; i < buf.length && i < o + 5; i++) {
        len += (buf[i] & 0x7f) * mult
        mult *= 128
        if ((buf[i] & 0x80) === 0) {
          complete = true
          i++
          break
        }
      }
      if (!complete || buf.length - i < len) break
      this.onPacket(buf[o] >> 4, buf[o] & 0x0f, buf.subarray(i, i + len))
      o = i + len
    }
    if (o < buf.length) this.pending = Buffer.from(buf.subarray(o))
    buf = Buffer.alloc(0)
  }
}
