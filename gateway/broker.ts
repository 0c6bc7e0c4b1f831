/**
 * The embedded MQTT broker: Aedes on TCP, TLS, WebSocket and secure WebSocket, with the
 * boxes' authentication and topic ACL (DESIGN.md pipeline steps 1-2). Publishes of a box's
 * own press and status topics are handed to the ingest pipeline from `authorizePublish`, the
 * only Aedes 1.x hook that runs before the PUBACK, and called back only once the message is
 * committed. Every connection passes a packet guard (packet-guard.ts) before Aedes's parser,
 * and a CONNECT must name the box itself as client id (box-identity.ts).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Aedes, type Client, type AuthenticateError } from 'aedes'
import { appTokenId, configTopic, parseTopic, windowTopic } from '../protocol/index.ts'
import { clientIdProblem, TakeoverGuard } from './box-identity.ts'
import type { GatewayConfig } from './config.ts'
import type { ConnectionReject } from './connection-rejects.ts'
import type { Ingest } from './ingest.ts'
import type { Logger } from './log.ts'
import type { MetricSample } from './metrics.ts'
import { Listener } from './mqtt-listeners.ts'
import { PacketGuard } from './packet-guard.ts'
import type { Registry } from './registry.ts'
import { exactRetainedPersistence, type RetainedSource } from './retained-index.ts'
import type { WindowApps } from './window-apps.ts'

export interface BrokerDeps {
  config: GatewayConfig['mqtt']
  registry: Registry
  ingest: Ingest
  log: Logger
  /** Keeps a refused connection in the rejected table (connection-rejects.ts). */
  recordRejected?: (r: ConnectionReject) => void
  now?: () => number
  /** Counter-side apps that open rating windows with an integration token (window-apps.ts). */
  apps?: WindowApps
}

/** What we remember about a connection. */
const boxOf = new WeakMap<Client, string>()
/** Connections of counter-side apps: their token id. */
const appOf = new WeakMap<Client, string>()
const remoteOf = new WeakMap<Client, string>()
const emptyIdRefused = new WeakSet<Client>()

/** MQTT 3.1.1 section 2.2.1: control packet types by the high nibble of the first byte. */
const PACKET_TYPES = ['reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'reserved']

/** An oversized packet is logged and recorded once a minute per box (or address before CONNECT). */
const OVERSIZE_LOG_MS = 60_000

type Kind = 'mqtt' | 'ws' | 'mqtts' | 'wss'

/** The topics a box may publish to (its own): everything else closes the connection. */
const BOX_PUBLISHES = new Set(['press', 'status', 'invite'])

export class Broker {
  private aedes?: Aedes
  private readonly listeners = new Map<Kind, Listener>()
  /** Open connections per box (one, thanks to the client id rule; briefly two during a takeover). */
  private readonly connections = new Map<string, number>()
  private readonly takeovers: TakeoverGuard
  private readonly now: () => number
  private readonly counts = { oversize: 0, idRefused: 0, takeovers: 0, takeoverRefused: 0 }
  private readonly oversizeLogged = new Map<string, number>()
  /** Parts that hold retained messages themselves (the box configs): asked, not copied. */
  private readonly retainedSources: RetainedSource[] = []

  constructor(private readonly deps: BrokerDeps) {
    this.now = deps.now ?? Date.now
    this.takeovers = new TakeoverGuard({ maxPerMinute: deps.config.maxTakeoversPerMinute, lockoutMs: deps.config.takeoverLockoutMs }, this.now)
  }

  /** Port of MQTT over TCP (0 when off). */
  get port(): number {
    return this.listeners.get('mqtt')?.port ?? 0
  }

  get wsPort(): number | null {
    return this.listeners.get('ws')?.port ?? null
  }

  get tlsPort(): number | null {
    return this.listeners.get('mqtts')?.port ?? null
  }

  get wssPort(): number | null {
    return this.listeners.get('wss')?.port ?? null
  }

  /** Boxes with at least one open connection. */
  connectedBoxes(): number {
    return this.connections.size
  }

  /** Whether the box has an open connection now. */
  isConnected(boxId: string): boolean {
    return this.connections.has(boxId)
  }

  metrics(): MetricSample[] {
    const counter = (name: string, help: string, value: number): MetricSample => ({ name, help, type: 'counter', value })
    return [
      counter('chamdiem_mqtt_oversize_packets_total', 'Connections closed because a packet (or WebSocket frame) announced more than mqtt.maxPacketBytes', this.counts.oversize),
      counter('chamdiem_mqtt_client_id_refused_total', 'CONNECTs refused because the client id was not the box id (CONNACK 0x02)', this.counts.idRefused),
      counter('chamdiem_mqtt_takeovers_total', 'Connections of a box replaced by a newer connection of the same box', this.counts.takeovers),
      counter('chamdiem_mqtt_takeover_refused_total', 'CONNECTs refused while a box whose connections keep taking each other over is locked out', this.counts.takeoverRefused),
    ]
  }

  async start(): Promise<void> {
    try {
      await this.listen()
    } catch (err) {
      await this.stop() // a port in use must not leave Aedes's timers keeping the process alive
      throw err
    }
  }

  /**
   * Loads the TLS certificate, key and CA files again (SIGHUP): new connections use them,
   * open ones keep theirs. Throws, keeping the current certificate, if a file cannot be used.
   */
  reloadTls(): void {
    for (const kind of ['mqtts', 'wss'] as const) this.listeners.get(kind)?.reload()
  }

  private async listen(): Promise<void> {
    const { config, log } = this.deps
    this.aedes = await Aedes.createBroker({
      concurrency: config.concurrency,
      persistence: exactRetainedPersistence(this.retainedSources),
      preConnect: (client, packet, cb) => {
        // MQTT-3.1.3-8: an empty client id with CleanSession 0 must be refused with 0x02.
        // Aedes accepts it (it invents an id), so we mark it here and refuse in authenticate.
        if (!packet.clientId && !packet.clean) emptyIdRefused.add(client)
        // MQTT-3.1.3-6: with CleanSession 1 the server assigns the id; ours is the box id, so
        // the one-connection-per-box rule holds for such clients too.
        else if (!packet.clientId && typeof packet.username === 'string') packet.clientId = packet.username
        cb(null, true)
      },
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => {
        const appId = appOf.get(client)
        if (appId) return cb(null, this.deps.apps!.maySubscribe(appId, sub.topic) ? sub : null)
        const boxId = boxOf.get(client)
        // A box may subscribe only to its own config and window topics; anything else gets SUBACK 0x80.
        if (boxId && (sub.topic === configTopic(boxId) || sub.topic === windowTopic(boxId))) return cb(null, sub)
        log.warn({ box: boxId, topic: sub.topic }, 'subscription refused: outside the box’s own config and window topics')
        cb(null, null)
      },
    })
    this.aedes.on('clientReady', (client) => {
      const boxId = boxOf.get(client)
      if (!boxId) return
      this.connections.set(boxId, (this.connections.get(boxId) ?? 0) + 1)
      this.deps.ingest.connection(boxId, 'online')
      if (!client.clean) for (const source of this.retainedSources) source.sessionResumed?.(boxId)
    })
    this.aedes.on('clientDisconnect', (client) => {
      const boxId = boxOf.get(client)
      if (!boxId) return
      const n = (this.connections.get(boxId) ?? 1) - 1
      if (n > 0) this.connections.set(boxId, n)
      else {
        this.connections.delete(boxId)
        this.deps.ingest.connection(boxId, 'offline')
      }
    })
    this.aedes.on('clientError', (client, err) => log.debug({ box: boxOf.get(client), err: err.message }, 'client error'))
    this.aedes.on('connectionError', (client, err) => log.debug({ err: err.message }, 'connection error'))

    const handle = (stream: Duplex, remote: string | undefined, req?: IncomingMessage) => this.handle(stream, remote, req)
    const frame = config.maxPacketBytes + 5 // fixed header (at most 5 bytes) + the largest remaining length
    const tls = config.tls
    const wanted: Array<[Kind, number | null | undefined, () => Listener | Promise<Listener>]> = [
      ['mqtt', config.plain ? config.port : null, () => Listener.mqtt('MQTT (mqtt.port)', handle)],
      ['ws', config.plain ? config.wsPort : null, () => Listener.ws('MQTT over WebSocket (mqtt.wsPort)', handle, frame)],
      ['mqtts', tls?.port, () => Listener.mqtt('MQTT over TLS (mqtt.tls.port)', handle, tls)],
      ['wss', tls?.wsPort, () => Listener.ws('MQTT over secure WebSocket (mqtt.tls.wsPort)', handle, frame, tls)],
    ]
    for (const [kind, port, create] of wanted) {
      if (port === null || port === undefined) continue
      const listener = await create()
      this.listeners.set(kind, listener)
      await listener.listen(port, config.host)
      log.info({ host: config.host, port: listener.port }, `${listener.what.replace(/ \(.*/, '')} listening`)
    }
    if (this.listeners.size === 0) log.warn('no MQTT listener is configured (mqtt.plain is false and mqtt.tls is absent or has no port): boxes cannot connect')
  }

  /** A new connection: through the packet guard into Aedes. */
  private handle(stream: Duplex, remote: string | undefined, req?: IncomingMessage): { refuseFrame(): void } {
    const limit = this.deps.config.maxPacketBytes
    let reported = false
    // Once per connection: a WebSocket connection may hit both the frame and the packet limit.
    const report = (topic: string, reason: string) => {
      if (reported) return
      reported = true
      this.oversize(client, remote, topic, reason)
    }
    const guard = new PacketGuard(stream, {
      limit,
      onOversize: (announced, firstByte) => report(`mqtt:${PACKET_TYPES[firstByte >> 4]}`, `packet too large: ${announced} bytes announced, limit ${limit}`),
    })
    // The guard reports only once bytes arrive, after this line has run.
    const client = this.aedes!.handle(guard, req)
    if (remote) remoteOf.set(client, remote)
    return { refuseFrame: () => report('websocket', `packet too large: a WebSocket frame over ${limit + 5} bytes, limit ${limit}`) }
  }

  /** Counts a connection closed for an oversized packet; logs and records it once a minute per box or address. */
  private oversize(client: Client, remote: string | undefined, topic: string, reason: string): void {
    this.counts.oversize++
    const boxId = boxOf.get(client) ?? null
    const key = boxId ?? `address ${remote}`
    const now = this.now()
    const last = this.oversizeLogged.get(key)
    if (last !== undefined && now - last < OVERSIZE_LOG_MS && now >= last) return
    if (this.oversizeLogged.size > 10_000) this.oversizeLogged.clear() // a bound against address floods
    this.oversizeLogged.set(key, now)
    this.deps.log.warn({ box: boxId, remote: remote ?? null }, `connection closed: ${reason}; body not read (logged once a minute per box or address)`)
    try {
      this.deps.recordRejected?.({ boxId, topic, reason })
    } catch (err) {
      this.deps.log.error({ err }, 'recording an oversized packet in the rejected table failed')
    }
  }

  /**
   * Makes `source` the keeper of its topics' retained messages: a subscriber is sent what it
   * holds, and its owner publishes changes with `retain: false` (live subscribers only).
   */
  serveRetained(source: RetainedSource): void {
    this.retainedSources.push(source)
  }

  /** Publishes from the gateway itself (box configs, windows, counter apps' answers). */
  publish(topic: string, payload: Buffer, opts: { retain: boolean }): Promise<void> {
    const aedes = this.aedes
    if (!aedes) return Promise.reject(new Error('broker not started'))
    return new Promise((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: opts.retain, dup: false }, (err?: Error | null) => (err ? reject(err) : resolve())),
    )
  }

  async stop(): Promise<void> {
    // Stop accepting first, then close the clients (server.close waits for them to end).
    const closing = Promise.all([...this.listeners.values()].map((l) => l.close()))
    if (this.aedes) await new Promise<void>((resolve) => this.aedes!.close(() => resolve()))
    this.aedes = undefined
    await closing
    this.listeners.clear()
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    cb: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (emptyIdRefused.has(client)) {
      this.deps.log.warn({ box: username }, 'connection refused: empty client id with clean session off (MQTT-3.1.3-8)')
      return cb(authError('identifier rejected', 2), false)
    }
    const appId = appTokenId(username)
    if (appId && this.deps.apps) return this.authenticateApp(client, appId, password, cb)
    const boxId = username ?? ''
    // Never log the password, only whether one was given.
    if (!boxId || !password || !this.deps.registry.verifyBox(boxId, password.toString('utf8'))) {
      this.deps.log.warn({ box: boxId || null, passwordGiven: !!password }, 'connection refused: unknown box or wrong secret')
      return cb(authError('not authorized', 5), false)
    }
    const remote = remoteOf.get(client) ?? null
    // MQTT-3.1.3-9, MQTT-3.2.2.3: the contract's client id rule; refused here, before Aedes
    // registers the client, so a wrong id never takes over (disconnects) the box it names.
    const idProblem = clientIdProblem(boxId, client.id, (id) => this.deps.registry.boxExists(id))
    if (idProblem) {
      this.counts.idRefused++
      this.deps.log.warn({ box: boxId, clientId: client.id, remote }, `connection refused: ${idProblem}; the client id must be the box id (CONNACK 0x02)`)
      return cb(authError('identifier rejected', 2), false)
    }
    const current = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients[boxId]
    const takesOver = !!current && !current.closed
    const admission = this.takeovers.admit(boxId, takesOver)
    if (!admission.admit) {
      this.counts.takeoverRefused++
      // Logged when the lock starts; later refusals during it at debug, so a flapping pair cannot flood the log.
      this.deps.log[admission.lockStarted ? 'error' : 'debug']({ box: boxId, remote }, `connection refused: ${admission.reason}`)
      return cb(authError('server unavailable', 3), false)
    }
    if (takesOver) {
      this.counts.takeovers++
      this.deps.log.warn({ box: boxId, remote, replaced: remoteOf.get(current!) ?? null }, 'session takeover: a new connection of the box replaces its open one (MQTT-3.1.4-2)')
    }
    boxOf.set(client, boxId)
    cb(null, true)
  }

  /** A counter-side app: its token (scope windows) and the client id rule, as for a box. */
  private authenticateApp(client: Client, appId: string, password: Buffer | undefined, cb: (error: AuthenticateError | null, success: boolean | null) => void): void {
    const refusal = password ? this.deps.apps!.refusal(appId, password.toString('utf8')) : 'no password'
    if (refusal) {
      this.deps.log.warn({ app: appId }, `connection refused: counter app: ${refusal}`)
      return cb(authError('not authorized', 5), false)
    }
    if (client.id !== `app:${appId}`) {
      this.deps.log.warn({ app: appId, clientId: client.id }, 'connection refused: a counter app’s client id must be its username')
      return cb(authError('identifier rejected', 2), false)
    }
    appOf.set(client, appId)
    cb(null, true)
  }

  private authorizePublish(client: Client | null, packet: { topic: string; payload: Buffer | string }, cb: (err?: Error | null) => void): void {
    const appId = client ? appOf.get(client) : undefined
    if (appId) {
      if (!this.deps.apps!.mayPublish(appId, packet.topic)) {
        this.deps.log.warn({ app: appId, topic: packet.topic }, 'publish refused: outside the counter app’s own topic; connection closed')
        return cb(new Error('not authorized'))
      }
      this.deps.apps!.request(appId, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload)
      return cb(null)
    }
    const boxId = client ? boxOf.get(client) : undefined
    const parsed = parseTopic(packet.topic)
    // Step 2 of the pipeline: a box publishes only to its own press, status and invite topics.
    // Anything else is refused, and Aedes closes the connection.
    if (!boxId || !parsed || parsed.boxId !== boxId || !BOX_PUBLISHES.has(parsed.kind)) {
      this.deps.log.warn({ box: boxId, topic: packet.topic }, 'publish refused: outside the box’s own topics; connection closed')
      return cb(new Error('not authorized'))
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    this.deps.ingest.accept(boxId, parsed.kind, payload, cb, packet.topic)
  }
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}
