/**
 * Where a board's byte stream comes from: a serial port path (a real Arduino on USB, or a
 * pseudo-terminal in tests), or any Duplex stream (an emulated board). johnny-five hears
 * about the board only through Firmata's transport "open" event, so the stream must be opened
 * after the Board exists: a connector first creates the stream, then opens it when asked.
 */
import { existsSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { SerialPort } from 'serialport'

export interface BoardConnector {
  /** Shown in logs and errors: the port path, or the emulated board's name. */
  readonly name: string
  /** A new, not yet opened stream for one connection attempt. */
  create(): Duplex | Promise<Duplex>
  /** Opens it; rejects with an error that names the port. */
  open(stream: Duplex): Promise<void>
  /** Closes it, whatever state it is in. */
  close(stream: Duplex): Promise<void>
  /**
   * False once the device is gone. serialport 13 notices a USB unplug by a read error, but
   * not every hangup (a pseudo-terminal's reads just return 0), so the board session also
   * checks that the device node still exists.
   */
  present?(): boolean
}

/** StandardFirmata's line rate (Firmata.begin(57600)). */
export const FIRMATA_BAUD = 57600

export function serialPortConnector(path: string, baudRate: number = FIRMATA_BAUD): BoardConnector {
  return {
    name: path,
    present: () => existsSync(path),
    create: () => new SerialPort({ path, baudRate, autoOpen: false }) as unknown as Duplex,
    open: (stream) =>
      new Promise<void>((resolve, reject) => {
        ;(stream as unknown as SerialPort).open((err) => {
          if (err) reject(new Error(`serial port ${path}: ${err.message}`))
          else resolve()
        })
      }),
    close: (stream) =>
      new Promise<void>((resolve) => {
        const port = stream as unknown as SerialPort
        if (!port.isOpen) {
          stream.destroy()
          return resolve()
        }
        port.close(() => {
          stream.destroy()
          resolve()
        })
      }),
  }
}

/** A connector over streams made by `factory` (one per connection attempt), already open. */
export function streamConnector(name: string, factory: () => Duplex): BoardConnector {
  return {
    name,
    create: factory,
    open: async (stream) => {
      if (stream.destroyed) throw new Error(`${name}: stream is closed`)
      // Firmata (and through it johnny-five) waits for the transport's "open".
      process.nextTick(() => stream.emit('open'))
    },
    close: async (stream) => {
      stream.destroy()
    },
  }
}

/** What SerialPort.list() reports of a port; injectable for tests. */
export interface PortInfo {
  path: string
  serialNumber?: string
  manufacturer?: string
}

/**
 * A board found by its USB serial number, whatever port it gets (ttyACM0 today, ttyACM1
 * after a replug into another socket). Looked up again at every connection attempt.
 */
export function usbSerialNumberConnector(
  serialNumber: string,
  opts: { baudRate?: number; list?: () => Promise<PortInfo[]> } = {},
): BoardConnector {
  const list = opts.list ?? (() => SerialPort.list() as Promise<PortInfo[]>)
  const name = `USB serial number ${serialNumber}`
  let current: BoardConnector | null = null
  return {
    name,
    present: () => current?.present?.() ?? false,
    create: async () => {
      const ports = await list()
      const port = ports.find((p) => p.serialNumber === serialNumber)
      if (!port) {
        const seen = ports.map((p) => `${p.path}${p.serialNumber ? ` (${p.serialNumber})` : ''}`).join(', ') || 'none'
        throw new Error(`${name}: no such device plugged in (serial ports: ${seen})`)
      }
      current = serialPortConnector(port.path, opts.baudRate)
      return current.create()
    },
    open: (stream) => (current ? current.open(stream) : Promise.reject(new Error(`${name}: not found`))),
    close: (stream) => (current ? current.close(stream) : Promise.resolve(stream.destroy()).then(() => {})),
  }
}
