/**
 * The slice of johnny-five and firmata-io the device layer uses, typed. Neither package ships
 * types; loading them through require keeps the untyped surface in this one file instead of
 * an ambient `declare module`.
 *
 * Trap (STYLE.md): with `io` given, johnny-five never loads `serialport`/`firmata` itself;
 * the io is firmata-io's Firmata class over a stream we open ourselves.
 */
import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'

const require = createRequire(import.meta.url)

export interface FirmataIo extends EventEmitter {
  isReady: boolean
  MODES: { INPUT: number; OUTPUT: number; PWM: number; PULLUP: number }
  HIGH: number
  LOW: number
  firmware: { name?: string; version?: { major: number; minor: number } }
  transport: Duplex
  reportVersionTimeoutId?: NodeJS.Timeout
  reportVersion(callback: () => void): void
  pinMode(pin: number, mode: number): void
  digitalWrite(pin: number, value: number): void
  /** Turns on the reports of the pin's port; `listener` gets the pin's level at each report. */
  digitalRead(pin: number, listener: (value: number) => void): void
  analogWrite(pin: number, value: number): void
}

export interface J5Board extends EventEmitter {
  isReady: boolean
  timer: NodeJS.Timeout | null
  io: FirmataIo
}

export interface J5Led {
  on(): J5Led
  off(): J5Led
  stop(): J5Led
  blink(ms: number): J5Led
  brightness(value: number): J5Led
}

interface JohnnyFive {
  Board: (new (opts: Record<string, unknown>) => J5Board) & { cache: J5Board[] }
  Led: new (opts: { pin: number; board: J5Board }) => J5Led
}

interface FirmataModule {
  Firmata: new (transport: Duplex, options?: Record<string, unknown>) => FirmataIo
}

export const five = require('johnny-five') as JohnnyFive
export const { Firmata } = require('firmata-io') as FirmataModule
