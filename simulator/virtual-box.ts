/**
 * One virtual button box speaking the chamdiem protocol over MQTT exactly as a real networked
 * box does (DESIGN.md, "The contract"): username = box id, password = its secret, a retained
 * `offline` will and a retained `online` status, QoS 1 presses numbered `(boot, seq)`, an
 * offline queue whose `ageMs` keeps growing while a press waits, retransmission after a
 * reconnect, cooldown repeats, and the retained config topic applied (cooldownMs).
 *
 * A press leaves the queue only when its PUBACK arrives. We do not lean on mqtt.js's own
 * in-flight store: every connection is a fresh client with `reconnectPeriod: 0`, and when it
 * closes, every press it had in flight goes back to pending in our queue and is sent again on
 * the next connection, same `(boot, seq)`, with its `ageMs` recomputed at that moment. (mqtt.js
 * would otherwise resend its stored packet with the stale `ageMs` of the first attempt.) The
 * gateway deduplicates the copy if the first one had in fact been stored.
 *
 * Thousands of these run in one process: a box is a few closures and one socket on the shared
 * event loop; connects go through a shared Gate so they are staggered.
 */
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import {
  configTopic,
  decode,
  encode,
  inviteTopic,
  pressTopic,
  windowTopic,
  statusTopic,
  type Rating,
} from '../protocol/index.ts'
import { BoxQueue, type Outgoing } from './box-queue.ts'
import { BoxWindow } from './box-window.ts'
import { Gate } from './gate.ts'

export const VIRTUAL_FW = 'chamdiem-sim/1.0.0'

export interface VirtualBoxOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` (or `ws://...`). */
  url: string
  boxId: string
  secret: string
  log?: Logger
  /** The box's clock for the cooldown, in ms (the traffic model passes simulated time). Default: monotonic real time. */
  clock?: () => number
  /** Cooldown used until the gateway's retained config arrives. */
  cooldownMs?: number
  /** Presses sent but not yet acknowledged, at most. */
  maxInFlight?: number
  /** Oldest presses are dropped (and counted as `overflowed`) past this queue length, like a full flash queue. */
  maxQueue?: number
  /** Shared connect gate (the fleet staggers thousands of connects through one). */
  gate?: Gate
  keepaliveS?: number
  backoff?: { minMs: number; maxMs: number }
}

export interface PressOptions {
  /** Time of the press on the box's clock (for the cooldown); default `clock()`. */
  at?: number
  /** Force the repeat flag instead of applying the cooldown. */
  repeat?: boolean
  /** Extra age added to `ageMs` (a press that happened long ago, e.g. queued for hours). */
  extraAgeMs?: number
  /** Publish the first transmission twice (same boot/seq): a duplicate the gateway must drop. */
  duplicate?: boolean
}

export interface PressRecord {
  seq: number
  rating: Rating
  repeat: boolean
  late: boolean
}

export interface BoxTally {
  counted: Record<Rating, number>
  repeats: Record<Rating, number>
}

export interface BoxStats {
  presses: number
  acked: number
  queued: number
  inFlight: number
  /** PUBLISH packets of presses written, including resends and duplicates. */
  transmissions: number
  resends: number
  duplicates: number
  late: number
  garbage: number
  garbageAcked: number
  overflowed: number
  connects: number
  disconnects: number
}

export interface BoxEvents {
  acked: [record: PressRecord | null]
  connected: []
  disconnected: []
}

const emptyTally = (): Record<Rating, number> => ({ positive: 0, neutral: 0, fair: 0, negative: 0, 'very-negative': 0 })

export class VirtualBox extends EventEmitter<BoxEvents> {
  readonly boxId: string
  /** Random id drawn at "power on"; with `seq` it identifies each press. */
  readonly boot = randomBytes(4).toString('hex')
  readonly tally: BoxTally = { counted: emptyTally(), repeats: emptyTally() }
  readonly stats: BoxStats = {
    presses: 0,
    acked: 0,
    queued: 0,
    inFlight: 0,
    transmissions: 0,
    resends: 0,
    duplicates: 0,
    late: 0,
    garbage: 0,
    garbageAcked: 0,
    overflowed: 0,
    connects: 0,
    disconnects: 0,
  }
  cooldownMs: number
  /** Last config the gateway sent (counter and officer names, for display). */
  config: { counter: string | null; officer: string | null } | null = null
  lastError: string | null = null
  /** The rating window shown now (box-window.ts). */
  readonly window = new BoxWindow()

  private readonly opts: VirtualBoxOptions
  private readonly clock: () => number
  private readonly gate: Gate
  private readonly queue = new BoxQueue()
  private seq = 0
  private lastCountedAt: number | null = null
  /** Real times (performance.now) the gateway dates this box's earliest and latest counted press at. */
  private dated: { min: number; max: number } | null = null
  /** Real time the gateway dates this box's earliest late press at (late presses are counted too). */
  private lateDated: number | null = null
  private client: MqttClient | undefined
  private connected = false
  private attempts = 0
  private reconnectTimer: NodeJS.Timeout | undefined
  private linkDown = false
  private stopped = true
  private readonly startedAt = performance.now()

  constructor(opts: VirtualBoxOptions) {
    super()
    this.opts = opts
    this.boxId = opts.boxId
    this.cooldownMs = opts.cooldownMs ?? 5000
    this.clock = opts.clock ?? (() => performance.now())
    this.gate = opts.gate ?? new Gate(1)
  }

  get isConnected(): boolean {
    return this.connected
  }

  get isLinkDown(): boolean {
    return this.linkDown
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    void this.connect()
  }

  /** Clean power-off: retained `offline` status, then DISCONNECT (so no will). Queued presses stay unsent. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.reconnectTimer)
    const client = this.client
    if (!client) return
    if (this.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000)
        client.publish(
          statusTopic(this.boxId),
          encode('status', { state: 'offline' }),
          { qos: 1, retain: true },
          () => {
            clearTimeout(timer)
            resolve()
          },
        )
      })
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, () => resolve()), 2000)
      client.end(!this.connected, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** A citizen presses a button. Returns what the box recorded (seq, repeat flag). */
  press(rating: Rating, opts: PressOptions = {}): PressRecord {
    const at = opts.at ?? this.clock()
    const extraAgeMs = Math.max(0, Math.round(opts.extraAgeMs ?? 0))
    const late = extraAgeMs > 0
    let repeat: boolean
    if (opts.repeat !== undefined) repeat = opts.repeat
    else if (late)
      repeat = false // a press from long ago is judged on its own, outside today's cooldown
    else
      repeat =
        this.lastCountedAt !== null &&
        at >= this.lastCountedAt &&
        at - this.lastCountedAt < this.cooldownMs
    if (!repeat && !late) this.lastCountedAt = Math.max(this.lastCountedAt ?? at, at)
    const takenAt = performance.now()
    // A press in a rating window is dated when taken: back-dating it could place it before the window opened.
    const window = repeat || late ? null : this.window.take()
    const datedAt = repeat || window ? takenAt : late ? this.dateLate(takenAt, extraAgeMs) : this.dateCounted(takenAt)
    const record: PressRecord = { seq: ++this.seq, rating, repeat, late }
    this.stats.presses++
    if (late) this.stats.late++
    ;(repeat ? this.tally.repeats : this.tally.counted)[rating]++
    this.enqueue({
      press: { ...record, takenAt: datedAt, extraAgeMs, ...(window ? { window } : {}) },
      duplicate: opts.duplicate === true,
    })
    return record
  }

  /** Queues raw bytes on the box's own press topic (garbage the gateway must reject and acknowledge). */
  sendRaw(bytes: Buffer): void {
    this.stats.garbage++
    this.enqueue({ raw: bytes, duplicate: false })
  }

  /** Cuts the link (socket closed without DISCONNECT, so the broker publishes the will) and keeps it down. */
  dropLink(): void {
    this.linkDown = true
    clearTimeout(this.reconnectTimer)
    this.client?.stream.destroy()
  }

  restoreLink(): void {
    if (!this.linkDown) return
    this.linkDown = false
    if (!this.stopped) void this.connect()
  }

  /** Kills the broker connection; the box reconnects by itself after its backoff. */
  killConnection(): void {
    this.client?.stream.destroy()
  }

  private enqueue(message: { press?: Outgoing['press']; raw?: Buffer; duplicate: boolean }): void {
    this.queue.add(message)
    if (this.queue.size > (this.opts.maxQueue ?? 100_000)) {
      // A full queue loses its oldest press, as a box's flash would; the books say so.
      const dropped = this.queue.dropOldestPending()
      if (dropped) this.stats.overflowed++
      if (dropped?.press)
        (dropped.press.repeat ? this.tally.repeats : this.tally.counted)[dropped.press.rating]--
    }
    this.stats.queued = this.queue.size
    this.flush()
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.linkDown || this.client) return
    const release = await this.gate.enter()
    if (this.stopped || this.linkDown || this.client) return release()
    let client: MqttClient
    try {
      client = mqtt.connect(this.opts.url, {
        clientId: this.boxId,
        username: this.boxId,
        password: this.opts.secret,
        protocolVersion: 4, // Aedes speaks MQTT 3.1.1
        clean: true,
        keepalive: this.opts.keepaliveS ?? 60,
        reconnectPeriod: 0, // reconnects are ours: see the header
        connectTimeout: 15_000,
        will: {
          topic: statusTopic(this.boxId),
          payload: encode('status', { state: 'offline' }),
          qos: 1,
          retain: true,
        },
      })
    } catch (err) {
      // A malformed URL: retrying cannot help.
      release()
      this.lastError = (err as Error).message
      this.opts.log?.error({ box: this.boxId, err: this.lastError }, 'cannot connect')
      return
    }
    this.client = client
    let released = false
    const releaseOnce = () => {
      if (!released) {
        released = true
        release()
      }
    }
    client.on('error', (err) => {
      this.lastError = err.message
      this.opts.log?.debug({ box: this.boxId, err: err.message }, 'box connection error')
    })
    client.once('connect', () => {
      releaseOnce()
      this.onConnect(client)
    })
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    client.once('close', () => {
      releaseOnce()
      this.onClose(client)
    })
  }

  private onConnect(client: MqttClient): void {
    // A CONNACK can still arrive after stop() began ending this client: publishing then would
    // hit mqtt.js's closed store.
    if (this.client !== client || this.stopped || client.disconnecting) return
    this.connected = true
    this.attempts = 0
    this.lastError = null
    this.stats.connects++
    const status = encode('status', {
      state: 'online',
      fw: VIRTUAL_FW,
      uptimeS: Math.floor((performance.now() - this.startedAt) / 1000),
      queued: this.queue.size,
    })
    client.publish(statusTopic(this.boxId), status, { qos: 1, retain: true }, () => {})
    client.subscribe([configTopic(this.boxId), windowTopic(this.boxId)], { qos: 1 }, (err, granted) => {
      if (err || granted?.some((g) => g.qos === 128)) {
        this.opts.log?.warn({ box: this.boxId, err: err?.message }, 'config subscription refused')
      }
    })
    this.emit('connected')
    this.flush()
  }

  /**
   * The gateway's cooldown applies whatever a box flags, on the gateway's clock. A virtual box
   * presses far faster than a citizen (or on a simulated clock), so a press it counts sooner
   * than a cooldown after its latest counted one is dated (ageMs) before all its earlier ones:
   * the gateway then counts exactly what the box counted (a press older than the last counted
   * one is not its repeat). Presses at a citizen's pace are dated when they are taken.
   */
  private dateCounted(now: number): number {
    // The box knows the gateway's cooldown from its config topic; a second more absorbs
    // delivery jitter between the two clocks.
    const spacing = this.cooldownMs + 1000
    const d = this.dated
    if (!d || now >= d.max + spacing) {
      this.dated = { min: d ? d.min : now, max: now }
      return now
    }
    d.min -= spacing
    return d.min
  }

  /** Late presses likewise: each dated at least a cooldown before the previous late one. */
  private dateLate(now: number, extraAgeMs: number): number {
    const spacing = this.cooldownMs + 1000
    const intended = now - extraAgeMs
    const at = this.lateDated === null ? intended : Math.min(intended, this.lateDated - spacing)
    this.lateDated = at
    return now - (intended - at)
  }

  /** The officer-side button: asks the gateway for a rating window (sent at once when connected). */
  invite(): void {
    if (this.connected) this.client?.publish(inviteTopic(this.boxId), encode('invite', {}), { qos: 1 }, () => {})
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === windowTopic(this.boxId)) {
      const problem = this.window.update(payload)
      if (problem) this.opts.log?.warn({ box: this.boxId, problem }, 'ignoring an invalid window state')
      return
    }
    if (topic !== configTopic(this.boxId)) return
    const result = decode('config', payload)
    if (!result.ok) {
      this.opts.log?.warn({ box: this.boxId, error: result.error }, 'ignoring an invalid config')
      return
    }
    this.cooldownMs = result.value.cooldownMs
    this.config = { counter: result.value.counter, officer: result.value.officer }
  }

  private onClose(client: MqttClient): void {
    if (this.client !== client) return
    this.client = undefined
    const wasConnected = this.connected
    this.connected = false
    // Whatever was in flight on this connection is unacknowledged: back to pending, in order.
    this.queue.requeueAll()
    this.stats.inFlight = 0
    client.end(true) // clears mqtt.js's timers; its stored packets' callbacks fail and are ignored
    if (wasConnected) {
      this.stats.disconnects++
      this.emit('disconnected')
    }
    if (this.stopped || this.linkDown) return
    const { minMs, maxMs } = this.opts.backoff ?? { minMs: 200, maxMs: 10_000 }
    const delay = Math.min(maxMs, minMs * 2 ** this.attempts++) * (0.5 + Math.random() / 2)
    this.reconnectTimer = setTimeout(() => void this.connect(), delay)
  }

  private flush(): void {
    const client = this.client
    if (!client || !this.connected || this.stopped) return
    const max = this.opts.maxInFlight ?? 16
    while (this.queue.inFlight < max) {
      const entry = this.queue.takePending()
      if (!entry) break
      this.transmit(client, entry)
    }
    this.stats.inFlight = this.queue.inFlight
  }

  private transmit(client: MqttClient, entry: Outgoing): void {
    if (entry.sends > 1) this.stats.resends++
    let bytes: Buffer
    if (entry.press) {
      const p = entry.press
      bytes = encode('press', {
        seq: p.seq,
        boot: this.boot,
        rating: p.rating,
        ageMs: Math.max(0, Math.round(performance.now() - p.takenAt)) + p.extraAgeMs,
        // Always sent, true or false; the gateway applies its own cooldown in any case.
        repeat: p.repeat,
        ...p.window,
      })
    } else {
      bytes = entry.raw as Buffer
    }
    this.stats.transmissions++
    client.publish(pressTopic(this.boxId), bytes, { qos: 1 }, (err) => {
      if (!err) this.onAcked(entry)
    })
    if (entry.duplicate && entry.sends === 1) {
      this.stats.duplicates++
      this.stats.transmissions++
      client.publish(pressTopic(this.boxId), bytes, { qos: 1 }, () => {})
    }
  }

  /** PUBACK: the gateway has the press (or, for garbage, has stored the rejection). */
  private onAcked(entry: Outgoing): void {
    if (!this.queue.acknowledge(entry)) return // an earlier copy was already acknowledged
    this.stats.inFlight = this.queue.inFlight
    this.stats.queued = this.queue.size
    if (entry.press) this.stats.acked++
    else this.stats.garbageAcked++
    this.emit(
      'acked',
      entry.press
        ? {
            seq: entry.press.seq,
            rating: entry.press.rating,
            repeat: entry.press.repeat,
            late: entry.press.late,
          }
        : null,
    )
    this.flush()
  }
}
