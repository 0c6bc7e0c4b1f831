/**
 * An emulated Arduino Uno (ATmega328P at 16 MHz) running a real firmware image in avr8js.
 * Its UART is a Duplex stream that the device layer talks Firmata over, exactly as it would
 * over a USB serial port; tests press buttons by driving input pins and read LEDs and the
 * piezo back from output pins.
 *
 * Traps (DESIGN.md, "Simulator"): the ADC and timers 0-2 must exist or StandardFirmata hangs
 * in its setup; avr8js does not model pull-ups, so idle button inputs are driven high here;
 * the CPU runs in ~2 ms slices and sleeps when it has caught up with the wall clock (about a
 * third of a core per board); it boots flat out until it transmits its first byte, so the
 * Firmata handshake does not wait for a simulated second of start-up.
 */
import { EventEmitter } from 'node:events'
import { Duplex } from 'node:stream'
import {
  AVRADC,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
  PinState,
  adcConfig,
  avrInstruction,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from 'avr8js'
import { loadIntelHex } from './intel-hex.ts'

const FREQ_HZ = 16_000_000
const CYCLES_PER_MS = FREQ_HZ / 1000
const FLASH_BYTES = 32 * 1024
/** Emulated time run per slice before yielding to the event loop. */
const SLICE_CYCLES = 2 * CYCLES_PER_MS
/** If the host falls further behind than this, the emulated clock slips instead of racing. */
const MAX_LAG_CYCLES = 50 * CYCLES_PER_MS
/** Fast boot gives up waiting for a first byte after this much emulated time. */
const FAST_BOOT_LIMIT_CYCLES = 5 * FREQ_HZ

export interface UnoEvents {
  /** An output pin changed level (Arduino pin number, level, emulated time in ms). */
  pin: [pin: number, high: boolean, atMs: number]
}

interface Machine {
  cpu: CPU
  ports: { B: AVRIOPort; C: AVRIOPort; D: AVRIOPort }
  usart: AVRUSART
  // Held so the peripherals' hooks stay alive for the CPU's lifetime.
  peripherals: unknown[]
}

/** Arduino pin number -> (port, bit). D0-D7 are PORTD, D8-D13 PORTB, A0-A5 (14-19) PORTC. */
function locate(pin: number): { port: 'B' | 'C' | 'D'; bit: number } {
  if (!Number.isInteger(pin) || pin < 0 || pin > 19)
    throw new Error(`no pin ${pin} on an Uno (0-19)`)
  if (pin < 8) return { port: 'D', bit: pin }
  if (pin < 14) return { port: 'B', bit: pin - 8 }
  return { port: 'C', bit: pin - 14 }
}

/**
 * ATmega328P data-space addresses of each PWM pin's timer control register A, its
 * compare-output-mode bit (COMnx1: non-inverting PWM on) and its output compare register.
 */
const PWM_REGISTERS: Record<number, { tccr: number; com: number; ocr: number }> = {
  6: { tccr: 0x44, com: 0x80, ocr: 0x47 }, // OC0A
  5: { tccr: 0x44, com: 0x20, ocr: 0x48 }, // OC0B
  9: { tccr: 0x80, com: 0x80, ocr: 0x88 }, // OC1A (low byte of OCR1A)
  10: { tccr: 0x80, com: 0x20, ocr: 0x8a }, // OC1B
  11: { tccr: 0xb0, com: 0x80, ocr: 0xb3 }, // OC2A
  3: { tccr: 0xb0, com: 0x20, ocr: 0xb4 }, // OC2B
}

export class EmulatedUno extends EventEmitter<UnoEvents> {
  private machine: Machine | null = null
  private running = false
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private synced = false
  private baseMs = 0
  private baseCycles = 0
  private rxQueue: number[] = []
  private txBatch: number[] = []
  private serial: Duplex | null = null
  /** Levels the outside world drives onto input pins; survives a power cycle like wiring does. */
  private readonly driven = new Map<number, boolean>()
  private readonly lastOutput = new Map<number, boolean>()
  private bootedAtMs = 0
  /** Wall time from power-on to the first byte the firmware sent, in ms. */
  bootMs: number | null = null

  constructor(private readonly hex: string) {
    super()
  }

  /** Powers the board on and runs it until stop(). */
  start(): void {
    if (this.running) return
    this.running = true
    this.powerOn()
    this.schedule(true)
  }

  stop(): void {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
    this.disconnectSerial()
    this.machine = null
  }

  /** Cuts power and restores it: the firmware boots again from scratch (a USB unplug and replug). */
  powerCycle(): void {
    if (!this.running) return
    this.powerOn()
  }

  /**
   * The host side of the board's UART (what a USB-serial chip would give you). Only one is
   * connected at a time: connecting again disconnects the previous stream.
   */
  connectSerial(): Duplex {
    this.disconnectSerial()
    const stream: Duplex = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _enc, cb) => {
        if (this.serial === stream) {
          for (const b of chunk) this.rxQueue.push(b)
          this.pumpRx()
        }
        cb()
      },
      final: (cb) => cb(),
    })
    stream.on('close', () => {
      if (this.serial === stream) this.serial = null
    })
    this.serial = stream
    this.rxQueue = []
    return stream
  }

  disconnectSerial(): void {
    const s = this.serial
    this.serial = null
    this.rxQueue = []
    if (s && !s.destroyed) {
      s.push(null)
      s.destroy()
    }
  }

  /** Drives an input pin from outside (a button between the pin and ground pulls it low). */
  drive(pin: number, high: boolean): void {
    this.driven.set(pin, high)
    const m = this.machine
    if (!m) return
    const { port, bit } = locate(pin)
    m.ports[port].setPin(bit, high)
  }

  /** True when the pin is an output driven high (an LED on that pin is lit). */
  isHigh(pin: number): boolean {
    const m = this.machine
    if (!m) return false
    const { port, bit } = locate(pin)
    return m.ports[port].pinState(bit) === PinState.High
  }

  pinState(pin: number): PinState | null {
    const m = this.machine
    if (!m) return null
    const { port, bit } = locate(pin)
    return m.ports[port].pinState(bit)
  }

  /**
   * The duty cycle (0-255) an output pin is driven with, read from the chip's timer registers
   * as the firmware set them (Arduino's analogWrite: the compare register, with the pin's
   * compare-output bits on), or 0/255 for a pin driven low/high without PWM. How a test reads
   * an LED's brightness from the board (a breathing LED: a duty that rises and falls).
   */
  pwmDuty(pin: number): number {
    const m = this.machine
    if (!m) return 0
    const pwm = PWM_REGISTERS[pin]
    if (pwm && m.cpu.data[pwm.tccr] & pwm.com) return m.cpu.data[pwm.ocr]
    return this.isHigh(pin) ? 255 : 0
  }

  /** Emulated milliseconds since power-on. */
  get nowMs(): number {
    return this.machine ? this.machine.cpu.cycles / CYCLES_PER_MS : 0
  }

  /**
   * How far the emulated clock is behind the wall clock now, in ms: more than a slice or two
   * means the host does not give the emulator the CPU it needs (what a benchmark must say).
   */
  get lagMs(): number {
    const m = this.machine
    if (!m || !this.synced) return 0
    return Math.max(0, (this.baseCycles + (performance.now() - this.baseMs) * CYCLES_PER_MS - m.cpu.cycles) / CYCLES_PER_MS)
  }

  /**
   * Resolves once the emulated CPU has run `ms` more milliseconds. Tests hold a button for
   * emulated time, not wall time: on a busy host the emulator may not run at all for a while,
   * and a press shorter than that stall would never be seen by the firmware.
   */
  async elapse(ms: number): Promise<void> {
    const target = this.nowMs + ms
    const machine = this.machine
    while (this.running && this.machine === machine && this.nowMs < target) {
      await new Promise((r) => setTimeout(r, 1))
    }
  }

  private powerOn(): void {
    const flash = new Uint8Array(FLASH_BYTES)
    loadIntelHex(this.hex, flash)
    const cpu = new CPU(new Uint16Array(flash.buffer))
    const ports = {
      B: new AVRIOPort(cpu, portBConfig),
      C: new AVRIOPort(cpu, portCConfig),
      D: new AVRIOPort(cpu, portDConfig),
    }
    const usart = new AVRUSART(cpu, usart0Config, FREQ_HZ)
    const peripherals = [
      new AVRTimer(cpu, timer0Config),
      new AVRTimer(cpu, timer1Config),
      new AVRTimer(cpu, timer2Config),
      new AVRADC(cpu, adcConfig),
    ]
    usart.onByteTransmit = (b) => {
      if (!this.synced) this.sync()
      this.txBatch.push(b)
    }
    usart.onRxComplete = () => this.pumpRx()
    for (const [name, port] of Object.entries(ports) as Array<['B' | 'C' | 'D', AVRIOPort]>) {
      port.addListener(() => this.scanOutputs(name))
    }
    this.machine = { cpu, ports, usart, peripherals }
    this.rxQueue = []
    this.txBatch = []
    this.lastOutput.clear()
    this.synced = false
    this.bootMs = null
    this.bootedAtMs = performance.now()
    for (const [pin, high] of this.driven) this.drive(pin, high)
  }

  private sync(): void {
    this.synced = true
    this.baseMs = performance.now()
    this.baseCycles = this.machine?.cpu.cycles ?? 0
    this.bootMs = this.baseMs - this.bootedAtMs
  }

  private scanOutputs(name: 'B' | 'C' | 'D'): void {
    const m = this.machine
    if (!m) return
    const offset = name === 'D' ? 0 : name === 'B' ? 8 : 14
    const count = name === 'B' ? 6 : name === 'C' ? 6 : 8
    const port = m.ports[name]
    for (let bit = 0; bit < count; bit++) {
      const pin = offset + bit
      const high = port.pinState(bit) === PinState.High
      if (this.lastOutput.get(pin) !== high) {
        const was = this.lastOutput.get(pin)
        this.lastOutput.set(pin, high)
        if (was !== undefined || high) this.emit('pin', pin, high, this.nowMs)
      }
    }
  }

  /** Feeds queued host bytes into the UART at the line rate (one per character time). */
  private pumpRx(): void {
    const m = this.machine
    if (!m || this.rxQueue.length === 0) return
    if (m.usart.rxBusy || !m.usart.rxEnable) return
    if (m.usart.writeByte(this.rxQueue[0]) !== false) this.rxQueue.shift()
  }

  private flushTx(): void {
    if (this.txBatch.length === 0) return
    const bytes = Buffer.from(this.txBatch)
    this.txBatch = []
    const s = this.serial
    if (s && !s.destroyed) s.push(bytes)
  }

  private schedule(now: boolean): void {
    if (!this.running) return
    if (now) this.immediate = setImmediate(this.loop)
    else this.timer = setTimeout(this.loop, 1)
  }

  private readonly loop = (): void => {
    this.timer = null
    this.immediate = null
    const m = this.machine
    if (!this.running || !m) return
    const { cpu } = m
    let end: number
    if (!this.synced) {
      // Fast boot: flat out until the firmware says something.
      end = cpu.cycles + 10 * SLICE_CYCLES
      if (cpu.cycles > FAST_BOOT_LIMIT_CYCLES) this.sync()
    } else {
      const now = performance.now()
      let target = this.baseCycles + (now - this.baseMs) * CYCLES_PER_MS
      if (target - cpu.cycles > MAX_LAG_CYCLES) {
        // The host was busy: slip the emulated clock rather than run minutes to catch up.
        this.baseCycles = cpu.cycles
        this.baseMs = now
        target = cpu.cycles + SLICE_CYCLES
      }
      end = Math.min(target, cpu.cycles + SLICE_CYCLES)
    }
    this.pumpRx()
    while (cpu.cycles < end) {
      avrInstruction(cpu)
      cpu.tick()
    }
    this.flushTx()
    if (!this.synced) return this.schedule(true)
    const behind = this.baseCycles + (performance.now() - this.baseMs) * CYCLES_PER_MS - cpu.cycles
    this.schedule(behind > SLICE_CYCLES / 2)
  }
}
