/**
 * Keeps one board connected for as long as the box runs: opens the port, waits for the
 * Firmata handshake, and when the board is lost (USB cable pulled, port gone, handshake
 * failed) throws the session away and tries again with backoff, naming the port each time.
 * johnny-five itself never reconnects (STYLE.md, "Known traps").
 */
import { EventEmitter } from 'node:events'
import { Backoff, Sleeper } from './backoff.ts'
import { BoardSession, type BoardSessionOptions, type Feedback } from './board-session.ts'

export interface BoardConnectionOptions extends BoardSessionOptions {
  reconnect: { minMs: number; maxMs: number }
}

export interface BoardConnectionEvents {
  ready: [firmware: string | null, handshakeMs: number | null]
  press: [index: number, at: number]
  /** The officer-side button asked for a rating window. */
  invite: []
  lost: [reason: Error]
  /** An attempt failed; the next one is in `retryInMs`. */
  retry: [reason: Error, retryInMs: number]
}

export class BoardConnection extends EventEmitter<BoardConnectionEvents> {
  private session: BoardSession | null = null
  /** The session being opened, so stop() need not wait out a handshake timeout. */
  private opening: BoardSession | null = null
  private running = false
  private loopDone: Promise<void> | null = null
  private readonly sleeper = new Sleeper()
  private readonly backoff: Backoff
  private wakeLost: (() => void) | null = null
  private windowShown = false

  constructor(private readonly opts: BoardConnectionOptions) {
    super()
    this.backoff = new Backoff(opts.reconnect)
  }

  get name(): string {
    return this.opts.connector.name
  }

  get isReady(): boolean {
    return this.session !== null
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loopDone = this.loop()
  }

  async stop(): Promise<void> {
    this.running = false
    this.sleeper.wakeAll()
    this.wakeLost?.()
    await this.opening?.close()
    await this.loopDone
    this.loopDone = null
  }

  feedback(index: number, kind: Feedback, feedbackMs: number, beepMs: number): void {
    this.session?.feedback(index, kind, feedbackMs, beepMs)
  }

  /** Shows (or stops showing) an open rating window; remembered for a board that reconnects. */
  showWindow(open: boolean, beepMs: number): void {
    this.windowShown = open
    this.session?.showWindow(open, beepMs)
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const session = new BoardSession(this.opts)
      this.opening = session
      try {
        await session.open()
      } catch (err) {
        this.opening = null
        await session.close()
        if (!this.running) break
        const delay = this.backoff.next()
        this.emit('retry', err as Error, delay)
        await this.sleeper.sleep(delay)
        continue
      }
      this.opening = null
      if (!this.running) {
        await session.close()
        break
      }
      this.backoff.reset()
      this.session = session
      session.on('press', (index, at) => this.emit('press', index, at))
      session.on('invite', () => this.emit('invite'))
      if (this.windowShown) session.showWindow(true, 0)
      this.emit('ready', session.firmware, session.handshakeMs)
      const reason = await new Promise<Error | null>((resolve) => {
        session.once('lost', resolve)
        this.wakeLost = () => resolve(null)
      })
      this.wakeLost = null
      this.session = null
      await session.close()
      if (!reason) break
      this.emit('lost', reason)
      // A replugged board needs a moment to enumerate: first retry after the minimum delay.
      await this.sleeper.sleep(this.backoff.next())
    }
  }
}
