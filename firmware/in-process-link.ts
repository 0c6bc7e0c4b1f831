/**
 * The link for a box plugged into the gateway's own host: presses go straight into the
 * gateway's ingest pipeline (the same path MQTT presses take after the broker), and the
 * gateway hands the box its configuration directly. The gateway imports the device layer,
 * never the reverse, so what the link needs from the gateway is this small interface.
 */
import { EventEmitter } from 'node:events'
import { decode, encode, type ConfigPayload, type PressPayload, type StatusPayload, type TopicKind } from '../protocol/index.ts'
import type { Link, LinkEvents } from './link.ts'

export interface InProcessGateway {
  /**
   * Runs one message through ingest as if it had arrived on `chamdiem/v1/boxes/{boxId}/{kind}`;
   * resolves once it is committed (that is the acknowledgement).
   */
  submit(boxId: string, kind: TopicKind, payload: Buffer): Promise<void>
  /**
   * Optional: calls `onConfig` with the box's retained config now (if any) and whenever it
   * changes; returns a function that stops it. Without it, the gateway calls deliverConfig().
   */
  watchConfig?(boxId: string, onConfig: (payload: Buffer) => void): () => void
  /** Optional: the box's rating window state now and at every change (its retained window topic). */
  watchWindow?(boxId: string, onWindow: (payload: Buffer) => void): () => void
}

export interface InProcessLinkOptions {
  boxId: string
  gateway: InProcessGateway
}

export class InProcessLink extends EventEmitter<LinkEvents> implements Link {
  private up = false
  private unwatch: (() => void) | null = null
  private unwatchWindow: (() => void) | null = null

  constructor(private readonly opts: InProcessLinkOptions) {
    super()
  }

  get name(): string {
    return 'in-process'
  }

  get isUp(): boolean {
    return this.up
  }

  async start(): Promise<void> {
    if (this.up) return
    this.up = true
    this.unwatch = this.opts.gateway.watchConfig?.(this.opts.boxId, (bytes) => this.deliverConfig(bytes)) ?? null
    this.unwatchWindow = this.opts.gateway.watchWindow?.(this.opts.boxId, (bytes) => {
      const w = decode('window', bytes)
      if (w.ok) process.nextTick(() => this.emit('window', w.value))
    }) ?? null
    // Emitted on the next tick so the caller can attach listeners after start().
    process.nextTick(() => {
      if (this.up) this.emit('up')
    })
  }

  async stop(): Promise<void> {
    if (!this.up) return
    this.unwatch?.()
    this.unwatchWindow?.()
    this.unwatch = this.unwatchWindow = null
    // What the MQTT will message says for a networked box.
    await this.sendStatus({ state: 'offline' }).catch(() => {})
    this.up = false
    this.emit('down', new Error('link stopped'))
  }

  /** The gateway hands the box its config (the retained payload of its config topic). */
  deliverConfig(payload: Buffer | ConfigPayload): void {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload))
    const result = decode('config', bytes)
    if (!result.ok) {
      this.emit('error', new Error(`config for box ${this.opts.boxId} ignored: ${result.error.field}: ${result.error.problem}`))
      return
    }
    this.emit('config', result.value)
  }

  async sendPress(press: PressPayload): Promise<void> {
    if (!this.up) throw new Error('in-process link is stopped')
    await this.opts.gateway.submit(this.opts.boxId, 'press', encode('press', press))
  }

  async sendInvite(): Promise<void> {
    if (!this.up) throw new Error('in-process link is stopped')
    await this.opts.gateway.submit(this.opts.boxId, 'invite', encode('invite', {}))
  }

  async sendStatus(status: StatusPayload): Promise<void> {
    if (!this.up) throw new Error('in-process link is stopped')
    await this.opts.gateway.submit(this.opts.boxId, 'status', encode('status', status))
  }
}
