/**
 * One button box (DESIGN.md, "Device layer"): a board kept connected through johnny-five, a
 * durable queue of presses and a link to the gateway. On a press, in this order:
 * 1. number it: (boot, seq), boot drawn at start, seq from 1;
 * 2. flag it as a repeat when it comes within cooldownMs of the last counted press;
 * 3. write it to the queue file (fsync'ed);
 * 4. show it: counted -> LED lit and a beep; repeat -> LED blinks;
 * 5. send it; it leaves the queue only once the gateway acknowledged it.
 * The gateway's retained config (cooldownMs, feedbackMs) is applied when it arrives.
 * A rating window (issue 13) the gateway opens at the box's counter is shown (LEDs breathe,
 * one beep) until the first press, which carries its id and reference, until the gateway
 * closes it, or until its time has passed since it arrived (the box has no clock). The
 * officer-side button, if wired, asks the gateway for a window.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { pino, type Logger } from 'pino'
import type { ConfigPayload, PressPayload, Rating, StatusPayload, WindowPayload } from '../protocol/index.ts'
import { BoardConnection } from './board-connection.ts'
import type { BoardConnector } from './connector.ts'
import { hostNow, type HostTime } from './host-clock.ts'
import type { Link } from './link.ts'
import { PressQueue, type QueuedPress } from './press-queue.ts'
import { PressSender } from './press-sender.ts'
import { DEVICE_LAYER_VERSION } from './version.ts'
import { resolveWiring, type Wiring } from './wiring.ts'

export interface BoxOptions {
  boxId: string
  /** Where the board is: serialPortConnector(path) or streamConnector(name, factory). */
  connector: BoardConnector
  link: Link
  /** The durable queue file (one per box). */
  queueFile: string
  wiring?: Partial<Wiring>
  /** Until the gateway's config arrives. */
  cooldownMs?: number
  feedbackMs?: number
  beepMs?: number
  /** Contact bounce window (debounce.ts): the first closing counts at once. */
  debounceMs?: number
  handshakeTimeoutMs?: number
  reportVersionTimeoutMs?: number
  /** Liveness check of the board (board-session.ts). */
  probeIntervalMs?: number
  probeTimeoutMs?: number
  /** Backoff for reopening a lost port. */
  reconnect?: { minMs: number; maxMs: number }
  statusIntervalMs?: number
  clock?: () => HostTime
  log?: Logger
}

export interface BoxEvents {
  /** The board answers and its buttons are armed. handshakeMs: port opened -> Firmata ready. */
  boardReady: [info: { firmware: string | null; handshakeMs: number | null }]
  boardLost: [reason: Error]
  /** A press was numbered and queued (before it is sent). */
  press: [press: QueuedPress]
  /** The gateway acknowledged a press; it left the queue. */
  acked: [press: QueuedPress, sent: PressPayload]
  config: [config: ConfigPayload]
  /** A rating window is shown (its id) or no longer (null). */
  window: [id: string | null]
}

export const BOX_DEFAULTS = {
  cooldownMs: 5000,
  feedbackMs: 1500,
  beepMs: 120,
  debounceMs: 50,
  handshakeTimeoutMs: 10_000,
  reportVersionTimeoutMs: 2000,
  reconnect: { minMs: 500, maxMs: 30_000 },
  statusIntervalMs: 60_000,
} as const

export class Box extends EventEmitter<BoxEvents> {
  private boot = ''
  private seq = 0
  private lastCountedAt: number | null = null
  private cooldownMs: number
  private feedbackMs: number
  private startedAt = 0
  private queue: PressQueue | null = null
  private sender: PressSender | null = null
  private board: BoardConnection | null = null
  private statusTimer: NodeJS.Timeout | null = null
  private firmware: string | null = null
  /** The level of each button, in button order (wiring.levels). */
  private levels: readonly Rating[] = []
  /** The rating window shown now, and the timer that ends it if no word comes from the gateway. */
  private window: { id: string; reference: string | null } | null = null
  private windowTimer: NodeJS.Timeout | null = null
  private readonly log: Logger

  constructor(private readonly opts: BoxOptions) {
    super()
    this.cooldownMs = opts.cooldownMs ?? BOX_DEFAULTS.cooldownMs
    this.feedbackMs = opts.feedbackMs ?? BOX_DEFAULTS.feedbackMs
    this.log = opts.log ?? pino({ level: 'silent' })
  }

  get id(): string {
    return this.opts.boxId
  }

  /** The port (or emulated board) the box is on, for logs and health. */
  get port(): string {
    return this.opts.connector.name
  }

  /** The random id of this run; with seq it names each press. */
  get bootId(): string {
    return this.boot
  }

  get queued(): number {
    return this.queue?.size ?? 0
  }

  /** The id of the rating window shown now, or null. */
  get openWindow(): string | null {
    return this.window?.id ?? null
  }

  get boardReady(): boolean {
    return this.board?.isReady ?? false
  }

  get settings(): { cooldownMs: number; feedbackMs: number } {
    return { cooldownMs: this.cooldownMs, feedbackMs: this.feedbackMs }
  }

  async start(): Promise<void> {
    if (this.queue) return
    const { opts, log } = this
    const wiring = resolveWiring(opts.wiring)
    this.levels = wiring.levels
    const clock = opts.clock ?? hostNow
    this.boot = randomBytes(4).toString('hex')
    this.seq = 0
    this.startedAt = performance.now()

    const queue = new PressQueue(opts.queueFile)
    queue.open()
    this.queue = queue
    if (queue.skippedLines > 0) log.warn({ file: queue.path, skipped: queue.skippedLines }, 'unreadable lines in the press queue skipped (torn write?)')
    if (queue.size > 0) log.info({ queued: queue.size, file: queue.path }, 'presses left from a previous run will be sent')

    const sender = new PressSender({ queue, link: opts.link, clock })
    this.sender = sender
    sender.on('acked', (press, sent) => this.emit('acked', press, sent))
    sender.on('sendFailed', (press, err) => log.debug({ err: err.message, seq: press.seq }, 'press not delivered yet, will retry'))

    opts.link.on('up', this.onLinkUp)
    opts.link.on('down', this.onLinkDown)
    opts.link.on('config', this.onConfig)
    opts.link.on('window', this.onWindow)
    opts.link.on('error', this.onLinkError)

    const board = new BoardConnection({
      connector: opts.connector,
      wiring,
      debounceMs: opts.debounceMs ?? BOX_DEFAULTS.debounceMs,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? BOX_DEFAULTS.handshakeTimeoutMs,
      reportVersionTimeoutMs: opts.reportVersionTimeoutMs ?? BOX_DEFAULTS.reportVersionTimeoutMs,
      reconnect: opts.reconnect ?? BOX_DEFAULTS.reconnect,
      probeIntervalMs: opts.probeIntervalMs,
      probeTimeoutMs: opts.probeTimeoutMs,
    })
    this.board = board
    board.on('ready', (firmware, handshakeMs) => {
      this.firmware = firmware
      log.info({ port: board.name, firmware, handshakeMs }, 'board ready')
      this.emit('boardReady', { firmware, handshakeMs })
      this.publishStatus()
    })
    board.on('lost', (reason) => {
      log.warn({ port: board.name, err: reason.message, queued: this.queued }, 'board lost; reopening the port')
      this.emit('boardLost', reason)
      this.publishStatus()
    })
    board.on('retry', (reason, retryInMs) => {
      log.warn({ port: board.name, err: reason.message, retryInMs }, 'cannot open the board; retrying')
    })
    board.on('press', (index, at) => this.onPress(index, at))
    board.on('invite', () => {
      log.info('officer button: asking for a rating window')
      opts.link.sendInvite().catch((err: Error) => log.warn({ err: err.message }, 'window request not delivered (link down?)'))
    })

    sender.start()
    await opts.link.start()
    board.start()
    this.statusTimer = setInterval(() => this.publishStatus(), opts.statusIntervalMs ?? BOX_DEFAULTS.statusIntervalMs)
    this.statusTimer.unref()
  }

  async stop(): Promise<void> {
    if (!this.queue) return
    if (this.statusTimer) clearInterval(this.statusTimer)
    this.statusTimer = null
    await this.board?.stop()
    await this.sender?.stop()
    const link = this.opts.link
    await link.stop()
    link.off('up', this.onLinkUp)
    link.off('down', this.onLinkDown)
    link.off('config', this.onConfig)
    link.off('window', this.onWindow)
    link.off('error', this.onLinkError)
    this.endWindow()
    this.queue.close()
    this.queue = null
    this.sender = null
    this.board = null
  }

  private onPress(index: number, at: number): void {
    const queue = this.queue
    if (!queue) return
    const rating: Rating = this.levels[index]
    const repeat = this.lastCountedAt !== null && at - this.lastCountedAt < this.cooldownMs
    if (!repeat) this.lastCountedAt = at
    // The first press in a window rates it: it carries the window, and the window ends here.
    const window = this.window
    if (window) this.endWindow()
    const press: QueuedPress = {
      boot: this.boot,
      seq: ++this.seq,
      rating,
      repeat,
      at: (this.opts.clock ?? hostNow)(),
      ...(window ? { window: window.id, ...(window.reference ? { reference: window.reference } : {}) } : {}),
    }
    try {
      queue.add(press)
    } catch (err) {
      // The disk is full or gone: still try to deliver it, but say it is not durable.
      this.log.error({ err: (err as Error).message, file: queue.path }, 'press could not be written to the queue file')
    }
    this.board?.feedback(index, repeat ? 'repeat' : 'counted', this.feedbackMs, this.opts.beepMs ?? BOX_DEFAULTS.beepMs)
    this.emit('press', press)
    this.sender?.kick()
  }

  private readonly onLinkUp = (): void => {
    this.log.info({ link: this.opts.link.name, queued: this.queued }, 'link up')
    this.publishStatus()
    this.sender?.retryNow()
  }

  private readonly onLinkDown = (reason: Error): void => {
    this.log.warn({ link: this.opts.link.name, err: reason.message, queued: this.queued }, 'link down; presses stay queued')
  }

  private readonly onLinkError = (err: Error): void => {
    this.log.warn({ link: this.opts.link.name, err: err.message }, 'link error')
  }

  private readonly onWindow = (w: WindowPayload): void => {
    if (w.open && w.id) {
      if (this.window?.id === w.id) return // the retained state again after a reconnect
      this.endWindow()
      this.window = { id: w.id, reference: w.reference }
      this.board?.showWindow(true, this.opts.beepMs ?? BOX_DEFAULTS.beepMs)
      if (w.timeoutMs) {
        this.windowTimer = setTimeout(() => this.endWindow(), w.timeoutMs)
        this.windowTimer.unref()
      }
      this.log.info({ window: w.id, reference: w.reference, officer: w.officer }, 'rating window open')
      this.emit('window', w.id)
    } else if (this.window && (w.id === null || w.id === this.window.id || !w.open)) {
      this.endWindow()
    }
  }

  /** Stops showing the window (a press's feedback, if any, follows at once). */
  private endWindow(): void {
    if (this.windowTimer) clearTimeout(this.windowTimer)
    this.windowTimer = null
    if (!this.window) return
    this.window = null
    this.board?.showWindow(false, 0)
    this.emit('window', null)
  }

  private readonly onConfig = (config: ConfigPayload): void => {
    this.cooldownMs = config.cooldownMs
    this.feedbackMs = config.feedbackMs
    this.log.info({ cooldownMs: config.cooldownMs, feedbackMs: config.feedbackMs, counter: config.counter }, 'config applied')
    this.emit('config', config)
  }

  /**
   * "online" means the box can take presses: its board answers. An unplugged board makes
   * the box "offline" on the dashboard even though its host is still connected.
   */
  status(): StatusPayload {
    const fw = [`chamdiem-box ${DEVICE_LAYER_VERSION}`, this.firmware].filter(Boolean).join('; ').slice(0, 64)
    return {
      state: this.boardReady ? 'online' : 'offline',
      fw,
      uptimeS: Math.floor((performance.now() - this.startedAt) / 1000),
      queued: this.queued,
    }
  }

  private publishStatus(): void {
    const link = this.opts.link
    if (!link.isUp) return
    link.sendStatus(this.status()).catch((err: Error) => this.log.debug({ err: err.message }, 'status not sent'))
  }
}
