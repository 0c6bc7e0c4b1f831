/**
 * Worker-thread side of ThreadedUno (threaded-uno.ts): one EmulatedUno, driven by messages
 * from the thread that created it. Its pin changes and serial output go back as messages,
 * with wall times in the shared clock (performance.timeOrigin + performance.now()).
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Duplex } from 'node:stream'
import { EmulatedUno } from './emulated-uno.ts'

export type ToUno =
  | { t: 'start' }
  | { t: 'stop' }
  | { t: 'drive'; pin: number; high: boolean }
  | { t: 'connect' }
  | { t: 'disconnect' }
  | { t: 'tx'; bytes: Uint8Array }

export type FromUno =
  | { t: 'pin'; pin: number; high: boolean; atMs: number; wallMs: number }
  | { t: 'rx'; bytes: Uint8Array }
  | { t: 'driven'; lagMs: number }

const port = parentPort
if (!port) throw new Error('uno-thread.ts runs in a worker thread (threaded-uno.ts)')
const post = (m: FromUno): void => port.postMessage(m)
const uno = new EmulatedUno((workerData as { hex: string }).hex)
let serial: Duplex | null = null

uno.on('pin', (pin, high, atMs, wallMs) => post({ t: 'pin', pin, high, atMs, wallMs: performance.timeOrigin + wallMs }))

port.on('message', (m: ToUno) => {
  switch (m.t) {
    case 'start':
      return uno.start()
    case 'stop':
      uno.stop()
      return port.close()
    case 'drive':
      uno.drive(m.pin, m.high)
      return post({ t: 'driven', lagMs: uno.driveLagMs })
    case 'connect': {
      const s = uno.connectSerial()
      serial = s
      s.on('data', (bytes: Buffer) => {
        if (serial === s) post({ t: 'rx', bytes })
      })
      return
    }
    case 'disconnect':
      serial = null
      return uno.disconnectSerial()
    case 'tx':
      serial?.write(Buffer.from(m.bytes))
  }
})
