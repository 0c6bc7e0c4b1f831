/**
 * An EmulatedUno on its own worker thread, for measurements: a real board is a separate
 * piece of hardware, so the emulator's CPU (about a third of a core, in 2 ms slices) must not
 * share the event loop of the device layer whose latency is measured. The host side is the
 * same: a serial Duplex that carries Firmata (crossing threads adds well under a millisecond,
 * less than a USB-serial bridge does), driven input pins and output pin changes, stamped with
 * the wall time the emulator ran them.
 */
import { EventEmitter } from 'node:events'
import { Duplex } from 'node:stream'
import { Worker } from 'node:worker_threads'
import type { FromUno, ToUno } from './uno-thread.ts'

export interface ThreadedUnoEvents {
  /** As EmulatedUno's: wallMs is this thread's performance.now() when the emulator ran it. */
  pin: [pin: number, high: boolean, atMs: number, wallMs: number]
  error: [err: Error]
}

/** Loads the worker's module from source (under tsx, whose loader a worker does not inherit) or compiled. */
function startWorker(hex: string): Worker {
  const url = new URL(`./uno-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: { hex } })
  const source = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(source, { eval: true, workerData: { hex } })
}

export class ThreadedUno extends EventEmitter<ThreadedUnoEvents> {
  private readonly worker: Worker
  private readonly levels = new Map<number, boolean>()
  private serial: Duplex | null = null
  /** How far the emulator's clock was behind the wall clock when the last drive() reached it. */
  driveLagMs = 0

  constructor(hex: string) {
    super()
    this.worker = startWorker(hex)
    this.worker.on('message', (m: FromUno) => this.onMessage(m))
    this.worker.on('error', (err) => this.emit('error', err))
  }

  start(): void {
    this.send({ t: 'start' })
  }

  async stop(): Promise<void> {
    this.disconnectSerial()
    this.send({ t: 'stop' })
    await this.worker.terminate()
  }

  drive(pin: number, high: boolean): void {
    this.send({ t: 'drive', pin, high })
  }

  /** True when the firmware drives the pin high (the last change the emulator reported). */
  isHigh(pin: number): boolean {
    return this.levels.get(pin) ?? false
  }

  connectSerial(): Duplex {
    this.disconnectSerial()
    const stream: Duplex = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _enc, cb) => {
        if (this.serial === stream) this.send({ t: 'tx', bytes: chunk })
        cb()
      },
      final: (cb) => cb(),
    })
    stream.on('close', () => {
      if (this.serial === stream) this.disconnectSerial()
    })
    this.serial = stream
    this.send({ t: 'connect' })
    return stream
  }

  disconnectSerial(): void {
    const s = this.serial
    if (!s) return
    this.serial = null
    this.send({ t: 'disconnect' })
    if (!s.destroyed) {
      s.push(null)
      s.destroy()
    }
  }

  private send(m: ToUno): void {
    this.worker.postMessage(m)
  }

  private onMessage(m: FromUno): void {
    if (m.t === 'pin') {
      this.levels.set(m.pin, m.high)
      this.emit('pin', m.pin, m.high, m.atMs, m.wallMs - performance.timeOrigin)
    } else if (m.t === 'rx') {
      this.serial?.push(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength))
    } else {
      this.driveLagMs = m.lagMs
    }
  }
}
