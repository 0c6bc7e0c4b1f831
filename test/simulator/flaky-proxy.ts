/**
 * A TCP proxy between boxes and the broker that can lose a PUBACK on purpose: it reads the
 * broker's MQTT packets and, when told to, swallows the next PUBACK and cuts the connection,
 * so the press is stored at the gateway while the box never learns it. That is the window a
 * box must survive without losing or double-counting the press.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { registerCleanup } from '../helpers/cleanup.ts'

export interface FlakyProxy {
  url: string
  /** The next PUBACK from the broker is dropped and that connection is cut. */
  losePubackOnce(): void
  pubacksLost: number
}

export async function startFlakyProxy(target: { host: string; port: number }): Promise<FlakyProxy> {
  const sockets = new Set<Socket>()
  let lose = false
  const proxy: FlakyProxy = {
    url: '',
    pubacksLost: 0,
    losePubackOnce: () => {
      lose = true
    },
  }
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    const cut = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', cut).on('close', cut)
    upstream.on('error', cut).on('close', cut)
    client.pipe(upstream)
    let buf = Buffer.alloc(0)
    upstream.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      // Split the broker's stream into packets: fixed header byte, varint remaining length.
      for (;;) {
        let len = 0
        let mul = 1
        let i = 1
        for (; i < buf.length && i <= 4; i++) {
          len += (buf[i] & 0x7f) * mul
          mul *= 128
          if ((buf[i] & 0x80) === 0) break
        }
        if (i >= buf.length || buf.length < i + 1 + len) return
        const packet = buf.subarray(0, i + 1 + len)
        buf = buf.subarray(i + 1 + len)
        if (lose && packet[0] >> 4 === 4) {
          lose = false
          proxy.pubacksLost++
          cut()
          return
        }
        client.write(packet)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
  registerCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return proxy
}
