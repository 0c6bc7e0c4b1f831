/**
 * The generator's ceiling: a "broker" that does nothing but answer CONNACK and PUBACK, in its
 * own process. The load generator can never measure a system faster than this, so every
 * other row is only meaningful well below it.
 */
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { serveParent } from '../lib/child.ts'
import { PacketReader, CONNACK_OK, puback } from '../load/wire.ts'

const sockets = new Set<Socket>()
const server = createServer((socket) => {
  sockets.add(socket)
  socket.setNoDelay(true)
  socket.on('close', () => sockets.delete(socket))
  socket.on('error', () => socket.destroy())
  const reader = new PacketReader((type, flags, body) => {
    if (type === 1) socket.write(CONNACK_OK)
    else if (type === 3 && ((flags >> 1) & 3) === 1) {
      // QoS 1 PUBLISH: topic length, topic, then the packet id (MQTT-3.3.2.2).
      const topicLen = body.readUInt16BE(0)
      socket.write(puback(body.readUInt16BE(2 + topicLen)))
    } else if (type === 12) socket.write(Buffer.from([0xd0, 0]))
  })
  socket.on('data', (chunk) => {
    socket.cork()
    reader.push(chunk)
    socket.uncork()
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

serveParent({ port: (server.address() as AddressInfo).port }, {}, () => {
  for (const s of sockets) s.destroy()
  server.close()
})
