/**
 * One connection to one board: a stream opened through a connector, firmata-io over it,
 * a johnny-five Board, three buttons, three LEDs and the piezo. It reports debounced presses
 * and, once, the loss of the board. johnny-five never reconnects after an unplug, so a lost
 * session is thrown away and board-connection.ts builds a new one.
 *
 * The buttons are read from Firmata's digital port reports directly, not through johnny-five's
 * Button: its fixed 7 ms trailing debounce delayed every press (and its LED) by 7 ms plus the
 * timer's lateness on a busy host. A closing must last GLITCH_MS (GlitchFilter: electrical
 * spikes are not presses), and the leading-edge Debouncer (debounce.ts) rejects the contact
 * bounce without waiting further.
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import type { BoardConnector } from './connector.ts'
import { Debouncer, GlitchFilter } from './debounce.ts'
import { Firmata, five, type FirmataIo, type J5Board, type J5Led } from './johnny-five.ts'
import { BREATHE_STEP_MS, breathLevel, WINDOW_BLINK_MS, windowDisplayMode } from './window-display.ts'
import type { Wiring } from './wiring.ts'

export interface BoardSessionOptions {
  connector: BoardConnector
  wiring: Wiring
  /** Time from opening the port to johnny-five's "ready" before giving up. */
  handshakeTimeoutMs: number
  /**
   * When the board has not announced its firmware by then, ask it (firmata-io's
   * reportVersionTimeout). A real Uno resets when the port opens and announces itself after
   * its bootloader (~1-2 s); a board that did not reset needs asking.
   */
  reportVersionTimeoutMs: number
  debounceMs: number
  /**
   * How often to check the board is still there (device node present, Firmata answering),
   * and how long it may take to answer. Catches hangups serialport does not report.
   */
  probeIntervalMs?: number
  probeTimeoutMs?: number
}

export interface BoardSessionEvents {
  /** Button `index` (in the order of wiring.levels, best first) was pressed; `at` is performance.now(). */
  press: [index: number, at: number]
  /** The officer-side button was pressed (wiring.invite). */
  invite: []
  /** The board or its port went away. Emitted at most once. */
  lost: [reason: Error]
}

export type Feedback = 'counted' | 'repeat'

const BLINK_MS = 100
/**
 * Button reports in the first moments after connecting are not presses. StandardFirmata
 * reports a whole port, with pins not yet configured as inputs read as 0, and its INPUT mode
 * turns the pull-up off until the next digitalWrite: either reads as "pressed" for a moment.
 * A button seen down while settling counts only after it has been released.
 */
const SETTLE_MS = 250
/**
 * How long a contact must stay closed to be a press at all (GlitchFilter): far longer than an
 * electrical spike, far shorter than the shortest human press (some 30 ms and more).
 */
export const GLITCH_MS = 3
const PIEZO_DUTY = 128

export class BoardSession extends EventEmitter<BoardSessionEvents> {
  private stream: Duplex | null = null
  private io: FirmataIo | null = null
  private board: J5Board | null = null
  /** The input pins whose port reports we listen to, and what each listener is. */
  private inputs: Array<{ pin: number; listener: (value: number) => void }> = []
  private filters: GlitchFilter[] = []
  private leds: J5Led[] = []
  private feedbackTimer: NodeJS.Timeout | null = null
  private beepTimer: NodeJS.Timeout | null = null
  /** Steps the breathing of an open rating window (window-display.ts). */
  private windowTimer: NodeJS.Timeout | null = null
  private probeTimer: NodeJS.Timeout | null = null
  private probeSentAt: number | null = null
  private closed = false
  private lostEmitted = false

  constructor(private readonly opts: BoardSessionOptions) {
    super()
  }

  /** "StandardFirmata.ino 2.5" once ready. */
  get firmware(): string | null {
    const fw = this.io?.firmware
    if (!fw?.name) return null
    return `${fw.name.replace(/\.ino$/, '')} ${fw.version ? `${fw.version.major}.${fw.version.minor}` : ''}`.trim()
  }

  /** Time from opening the port to johnny-five's "ready" (the Firmata handshake). */
  handshakeMs: number | null = null

  /**
   * Opens the port, completes the Firmata handshake and sets the parts up; resolves once the
   * buttons are armed. Rejects with an error naming the port.
   */
  async open(): Promise<void> {
    const { connector } = this.opts
    const openedAt = performance.now()
    const stream = await connector.create()
    if (this.closed) {
      await connector.close(stream).catch(() => {})
      throw new Error(`${connector.name}: closed while opening`)
    }
    this.stream = stream
    const io = new Firmata(stream, { reportVersionTimeout: this.opts.reportVersionTimeoutMs })
    this.io = io
    // Trap: the stream must be opened after the Board exists, which listens for its "open".
    const board = new five.Board({
      io,
      repl: false,
      sigint: false,
      debug: false,
      timeout: this.opts.handshakeTimeoutMs,
    })
    this.board = board
    // Unhandled "error" events would throw: they are handled here or through `lost`.
    io.on('error', () => {})
    board.on('error', () => {})

    await new Promise<void>((resolve, reject) => {
      let settled = false
      const done = (err?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err) reject(err)
        else resolve()
      }
      const timer = setTimeout(
        () => done(new Error(`${connector.name}: no Firmata handshake within ${this.opts.handshakeTimeoutMs} ms (is StandardFirmata flashed?)`)),
        this.opts.handshakeTimeoutMs,
      )
      board.once('ready', () => done())
      board.once('error', (err: Error) => done(new Error(`${connector.name}: ${err.message}`)))
      stream.once('error', (err: Error) => done(new Error(`${connector.name}: ${err.message}`)))
      stream.once('close', () => done(new Error(`${connector.name}: port closed during the handshake`)))
      connector.open(stream).catch((err: Error) => done(err))
    }).catch(async (err: Error) => {
      await this.close()
      throw err
    })
    if (this.closed) throw new Error(`${connector.name}: closed during the handshake`)
    this.handshakeMs = Math.round(performance.now() - openedAt)

    stream.once('close', () => this.lose(new Error(`${connector.name}: port closed (board unplugged?)`)))
    stream.on('error', (err: Error) => this.lose(new Error(`${connector.name}: ${err.message}`)))
    this.buildParts(board, io)
    this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs ?? 1000)
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    if (this.closed) throw new Error(`${connector.name}: closed while setting up`)
  }

  /** Liveness: the port still exists and the firmware answers a version request. */
  private probe(): void {
    const { connector } = this.opts
    const io = this.io
    if (this.closed || !io) return
    if (connector.present && !connector.present()) {
      return this.lose(new Error(`${connector.name}: port disappeared (board unplugged?)`))
    }
    const timeoutMs = this.opts.probeTimeoutMs ?? 5000
    if (this.probeSentAt !== null) {
      if (performance.now() - this.probeSentAt > timeoutMs) {
        this.lose(new Error(`${connector.name}: board stopped answering (no Firmata reply in ${timeoutMs} ms)`))
      }
      return
    }
    this.probeSentAt = performance.now()
    io.reportVersion(() => {
      this.probeSentAt = null
    })
  }

  private buildParts(board: J5Board, io: FirmataIo): void {
    const { wiring } = this.opts
    // Every input with its pull-up before any reporting starts (see SETTLE_MS).
    for (const pin of wiring.invite === null ? wiring.buttons : [...wiring.buttons, wiring.invite]) {
      io.pinMode(pin, io.MODES.INPUT)
      io.digitalWrite(pin, io.HIGH)
    }
    const settleUntil = performance.now() + SETTLE_MS
    this.leds = wiring.leds.map((pin) => new five.Led({ pin, board }))
    wiring.buttons.forEach((pin, index) => this.watchButton(io, pin, settleUntil, (at) => this.emit('press', index, at)))
    if (wiring.invite !== null) this.watchButton(io, wiring.invite, settleUntil, () => this.emit('invite'))
    if (wiring.piezo !== null) {
      io.pinMode(wiring.piezo, wiring.piezoDrive === 'pwm' ? io.MODES.PWM : io.MODES.OUTPUT)
      this.piezo(false)
    }
  }

  /**
   * Reports of one button's pin: Firmata sends the whole port whenever any pin of it changes,
   * so only a change of this pin is an edge. Buttons close to ground (pull-up): 0 is down.
   */
  private watchButton(io: FirmataIo, pin: number, settleUntil: number, pressed: (at: number) => void): void {
    const debouncer = new Debouncer(this.opts.debounceMs)
    const filter = new GlitchFilter(
      GLITCH_MS,
      (fn, ms) => {
        const timer = setTimeout(fn, ms)
        return () => clearTimeout(timer)
      },
      {
        down: (at) => {
          if (at < settleUntil) debouncer.hold(at)
          else if (debouncer.down(at)) pressed(at)
        },
        up: (at) => debouncer.up(at),
      },
    )
    let last = io.HIGH
    const listener = (value: number): void => {
      if (value === last) return
      last = value
      if (value === io.LOW) filter.down(performance.now())
      else filter.up(performance.now())
    }
    io.digitalRead(pin, listener)
    this.filters.push(filter)
    this.inputs.push({ pin, listener })
  }

  /**
   * Shows the citizen their press was taken: a counted press lights its LED steadily for
   * `feedbackMs` and beeps; a repeat within the cooldown blinks its LED instead (DESIGN.md).
   * A new press replaces whatever feedback was showing.
   */
  feedback(index: number, kind: Feedback, feedbackMs: number, beepMs: number): void {
    if (this.closed || !this.board) return
    if (this.feedbackTimer) clearTimeout(this.feedbackTimer)
    this.stopWindow()
    for (const led of this.leds) led.stop()
    // The pressed button's LED first: each Firmata message takes ~0.5 ms of the 57600 baud
    // line, and the others being switched off first would delay the one the citizen watches.
    const led = this.leds[index]
    led.on()
    this.leds.forEach((other, i) => {
      if (i !== index) other.off()
    })
    if (kind === 'counted') this.beep(beepMs)
    else led.blink(BLINK_MS)
    this.feedbackTimer = setTimeout(() => {
      this.feedbackTimer = null
      led.stop()
      led.off()
    }, feedbackMs)
  }

  /**
   * Shows an open rating window (LEDs breathe, or blink slowly without PWM; one short beep),
   * or stops showing it. A press's feedback replaces it.
   */
  showWindow(open: boolean, beepMs: number): void {
    if (this.closed || !this.board) return
    this.stopWindow()
    for (const led of this.leds) led.stop()
    if (!open) {
      for (const led of this.leds) led.off()
      return
    }
    this.beep(beepMs)
    if (windowDisplayMode(this.opts.wiring.leds) === 'blink') {
      for (const led of this.leds) led.blink(WINDOW_BLINK_MS)
      return
    }
    const start = performance.now()
    const step = () => {
      const level = breathLevel(performance.now() - start)
      for (const led of this.leds) led.brightness(level)
    }
    step()
    this.windowTimer = setInterval(step, BREATHE_STEP_MS)
  }

  private stopWindow(): void {
    if (this.windowTimer) clearInterval(this.windowTimer)
    this.windowTimer = null
  }

  private beep(ms: number): void {
    if (this.opts.wiring.piezo === null || ms <= 0) return
    if (this.beepTimer) clearTimeout(this.beepTimer)
    this.piezo(true)
    this.beepTimer = setTimeout(() => {
      this.beepTimer = null
      this.piezo(false)
    }, ms)
  }

  /**
   * Not johnny-five's Piezo: it bit-bangs the tone from JavaScript, one Firmata message per
   * half period, which floods the 57600 baud line. One PWM message starts the hardware tone.
   */
  private piezo(on: boolean): void {
    const { piezo, piezoDrive } = this.opts.wiring
    const io = this.io
    if (piezo === null || !io || this.closed) return
    if (piezoDrive === 'pwm') io.analogWrite(piezo, on ? PIEZO_DUTY : 0)
    else io.digitalWrite(piezo, on ? io.HIGH : io.LOW)
  }

  private lose(reason: Error): void {
    if (this.closed || this.lostEmitted) return
    this.lostEmitted = true
    this.emit('lost', reason)
  }

  /** Turns the feedback off (when the board is still there) and releases everything. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.feedbackTimer) clearTimeout(this.feedbackTimer)
    if (this.beepTimer) clearTimeout(this.beepTimer)
    if (this.probeTimer) clearInterval(this.probeTimer)
    this.stopWindow()
    this.feedbackTimer = this.beepTimer = this.probeTimer = null
    const { io, board, stream } = this
    for (const led of this.leds) led.stop()
    if (io && stream && !stream.destroyed && board?.isReady) {
      for (const led of this.leds) led.off()
      const { piezo, piezoDrive } = this.opts.wiring
      if (piezo !== null) {
        if (piezoDrive === 'pwm') io.analogWrite(piezo, 0)
        else io.digitalWrite(piezo, io.LOW)
      }
    }
    for (const { pin, listener } of this.inputs) io?.off(`digital-read-${pin}`, listener)
    for (const filter of this.filters) filter.stop()
    if (io?.reportVersionTimeoutId) clearTimeout(io.reportVersionTimeoutId)
    // johnny-five keeps every Board ever made in a module-level cache: drop ours, and its
    // handshake timer, which only "ready" clears.
    if (board) {
      if (board.timer) clearTimeout(board.timer)
      const cache = five.Board.cache
      const at = cache.indexOf(board)
      if (at >= 0) cache.splice(at, 1)
    }
    this.inputs = []
    this.leds = []
    if (stream) await this.opts.connector.close(stream).catch(() => {})
  }
}
