/**
 * The link for a box on its own small host at the counter: MQTT 3.1.1 to the gateway's
 * broker, as the contract says (protocol/contract.ts). The only module of the device layer
 * that imports MQTT.
 *
 * - username = boxId, password = the secret issued at provisioning (never logged);
 * - will: `{"state":"offline"}` retained, QoS 1 on the status topic (MQTT-3.1.2-8: the broker
 *   publishes it when the connection drops without a DISCONNECT);
 * - presses: QoS 1, resolved on PUBACK (MQTT-4.3.2), the gateway persists before it acks;
 * - subscribes to its own config topic (retained, so it arrives on every connect);
 * - reconnects with exponential backoff. Publishes still in flight when the connection drops
 *   are withdrawn from mqtt.js and rejected, so the box re-sends them from its durable queue
 *   with a fresh ageMs instead of mqtt.js replaying a stale one after a long outage.
 */
import { EventEmitter } from 'node:events'
import mqtt, { type MqttClient } from 'mqtt'
import {
  configTopic,
  inviteTopic,
  windowTopic,
  decode,
  encode,
  pressTopic,
  statusTopic,
  type PressPayload,
  type StatusPayload,
} from '../protocol/index.ts'
import { Backoff } from './backoff.ts'
import type { Link, LinkEvents } from './link.ts'

export interface MqttLinkOptions {
  /** Broker URL, e.g. mqtt://gateway:1883 or mqtts://... */
  url: string
  boxId: string
  secret: string
  /** Reconnect backoff; defaults 500 ms doubling to 30 s. */
  reconnect?: { minMs: number; maxMs: number }
  connectTimeoutMs?: number
  keepaliveS?: number
  /** PEM of the CA that signed the gateway's TLS certificate (mqtts:// and wss:// URLs). */
  ca?: Buffer
}

export class MqttLink extends EventEmitter<LinkEvents> implements Link {
  private client: MqttClient | null = null
  private up = false
  private stopping = false
  private reconnectTimer: NodeJS.Timeout | null = null
  private readonly backoff: Backoff

  constructor(private readonly opts: MqttLinkOptions) {
    super()
    this.backoff = new Backoff(opts.reconnect ?? { minMs: 500, maxMs: 30_000 })
  }

  get name(): string {
    // The URL may carry credentials: show host and port only.
    try {
      const u = new URL(this.opts.url)
      return `${u.protocol}//${u.host}`
    } catch {
      return 'mqtt'
    }
  }

  get isUp(): boolean {
    return this.up
  }

  async start(): Promise<void> {
    if (this.client) return
    this.stopping = false
    const { boxId } = this.opts
    const client = mqtt.connect(this.opts.url, {
      protocolVersion: 4,
      // The contract's client id rule: the client id is the box id (the gateway refuses others).
      clientId: boxId,
      username: boxId,
      password: this.opts.secret,
      clean: true,
      keepalive: this.opts.keepaliveS ?? 30,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      // Reconnects are ours, with backoff (mqtt.js only knows a fixed period).
      reconnectPeriod: 0,
      resubscribe: false,
      will: { topic: statusTopic(boxId), payload: encode('status', { state: 'offline' }), qos: 1, retain: true },
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    })
    this.client = client
    client.on('connect', () => {
      this.backoff.reset()
      client.subscribe([configTopic(boxId), windowTopic(boxId)], { qos: 1 }, (err, granted) => {
        // A refused subscription comes back as granted QoS 0x80 (MQTT-3.9.3).
        if (err || granted?.some((g) => g.qos === 0x80)) {
          this.emit('error', new Error(`broker refused box ${boxId} its config topic ${err ? `(${err.message})` : ''}`.trim()))
        }
      })
      this.up = true
      this.emit('up')
    })
    client.on('message', (topic, payload) => {
      if (topic === windowTopic(boxId)) {
        const w = decode('window', payload)
        if (w.ok) this.emit('window', w.value)
        else this.emit('error', new Error(`window state ignored: ${w.error.field}: ${w.error.problem}`))
        return
      }
      if (topic !== configTopic(boxId)) return
      const result = decode('config', payload)
      if (result.ok) this.emit('config', result.value)
      else this.emit('error', new Error(`config ignored: ${result.error.field}: ${result.error.problem}`))
    })
    client.on('error', (err) => {
      this.emit('error', new Error(`broker ${this.name}: ${err.message}`))
    })
    client.on('close', () => this.onClose())
  }

  private onClose(): void {
    const client = this.client
    if (!client) return
    // Withdraw what is still in flight: the durable queue re-sends it with a fresh ageMs.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id))
    if (this.up) {
      this.up = false
      this.emit('down', new Error(`connection to ${this.name} lost`))
    }
    if (this.stopping || this.reconnectTimer) return
    const delay = this.backoff.next()
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (!this.stopping && this.client === client) client.reconnect()
    }, delay)
  }

  async stop(): Promise<void> {
    const client = this.client
    if (!client) return
    this.stopping = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    if (client.connected) {
      // A clean DISCONNECT suppresses the will (MQTT-3.1.2-10): say offline ourselves.
      await this.sendStatus({ state: 'offline' }).catch(() => {})
    }
    await client.endAsync().catch(() => {})
    this.client = null
    if (this.up) {
      this.up = false
      this.emit('down', new Error('link stopped'))
    }
  }

  async sendPress(press: PressPayload): Promise<void> {
    await this.publish(pressTopic(this.opts.boxId), encode('press', press), false)
  }

  async sendStatus(status: StatusPayload): Promise<void> {
    await this.publish(statusTopic(this.opts.boxId), encode('status', status), true)
  }

  async sendInvite(): Promise<void> {
    await this.publish(inviteTopic(this.opts.boxId), encode('invite', {}), false)
  }

  private async publish(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    const client = this.client
    // Never let mqtt.js queue offline: the durable queue is the one place a press waits.
    if (!client || !client.connected) throw new Error(`not connected to ${this.name}`)
    await client.publishAsync(topic, payload, { qos: 1, retain })
  }
}
