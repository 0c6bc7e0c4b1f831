/**
 * The embedded MQTT broker: Aedes on TCP and WebSocket, with the boxes' authentication and
 * topic ACL (DESIGN.md pipeline steps 1-2). Publishes of a box's own press and status topics
 * are handed to the ingest pipeline from `authorizePublish`, the only Aedes 1.x hook that
 * runs before the PUBACK, and called back only once the message is committed.
 */
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Aedes, type Client, type AuthenticateError } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { configTopic, parseTopic } from '../protocol/index.ts'
import type { GatewayConfig } from './config.ts'
import type { Ingest } from './ingest.ts'
import type { Logger } from './log.ts'
import type { Registry } from './registry.ts'
import { exactRetainedPersistence } from './retained-index.ts'

export interface BrokerDeps {
  config: GatewayConfig['mqtt']
  registry: Registry
  ingest: Ingest
  log: Logger
}

/** What we remember about an authenticated connection. */
const boxOf = new WeakMap<Client, string>()
const emptyIdRefused = new WeakSet<Client>()

export class Broker {
  private aedes?: Aedes
  private tcp?: Server
  private wss?: WebSocketServer
  private wsHttp?: import('node:http').Server
  /** Open connections per box (a box may briefly have two while it reconnects). */
  private readonly connections = new Map<string, number>()

  constructor(private readonly deps: BrokerDeps) {}

  get port(): number {
    return (this.tcp?.address() as AddressInfo | null)?.port ?? 0
  }

  get wsPort(): number | null {
    return this.wsHttp ? (this.wsHttp.address() as AddressInfo).port : null
  }

  /** Boxes with at least one open connection. */
  connectedBoxes(): number {
    return this.connections.size
  }

  async start(): Promise<void> {
    try {
      await this.listen()
    } catch (err) {
      await this.stop() // a port in use must not leave Aedes's timers keeping the process alive
      throw err
    }
  }

  private async listen(): Promise<void> {
    const { config, log } = this.deps
    this.aedes = await Aedes.createBroker({
      concurrency: config.concurrency,
      persistence: exactRetainedPersistence(),
      preConnect: (client, packet, cb) => {
        // MQTT-3.1.3-8: an empty client id with CleanSession 0 must be refused with 0x02.
        // Aedes accepts it (it invents an id), so we mark it here and refuse in authenticate.
        if (!packet.clientId && !packet.clean) emptyIdRefused.add(client)
        cb(null, true)
      },
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => {
        const boxId = boxOf.get(client)
        // A box may subscribe only to its own config topic; anything else gets SUBACK 0x80.
        if (boxId && sub.topic === configTopic(boxId)) return cb(null, sub)
        log.warn({ box: boxId, topic: sub.topic }, 'subscription refused: outside the box’s own config topic')
        cb(null, null)
      },
    })
    this.aedes.on('clientReady', (client) => {
      const boxId = boxOf.get(client)
      if (!boxId) return
      this.connections.set(boxId, (this.connections.get(boxId) ?? 0) + 1)
      this.deps.ingest.connection(boxId, 'online')
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

    const aedes = this.aedes
    this.tcp = createServer((socket) => aedes.handle(socket))
    await listen(this.tcp, config.port, config.host, 'MQTT (mqtt.port)')
    log.info({ host: config.host, port: this.port }, 'MQTT listening')

    if (config.wsPort !== null) {
      const http = await import('node:http')
      this.wsHttp = http.createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n')
      })
      this.wss = new WebSocketServer({ server: this.wsHttp })
      this.wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws)
        stream.on('error', () => ws.terminate())
        aedes.handle(stream as never, req)
      })
      await listen(this.wsHttp, config.wsPort, config.host, 'MQTT over WebSocket (mqtt.wsPort)')
      log.info({ host: config.host, port: this.wsPort }, 'MQTT over WebSocket listening')
    }
  }

  /** Publishes from the gateway itself (retained box configs). */
  publish(topic: string, payload: Buffer, opts: { retain: boolean }): Promise<void> {
    const aedes = this.aedes
    if (!aedes) return Promise.reject(new Error('broker not started'))
    return new Promise((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: opts.retain, dup: false }, (err?: Error | null) => (err ? reject(err) : resolve())),
    )
  }

  async stop(): Promise<void> {
    // Stop accepting first, then close the clients (server.close waits for them to end).
    const closing = Promise.all([closeServer(this.tcp), closeServer(this.wsHttp)])
    for (const ws of this.wss?.clients ?? []) ws.terminate()
    if (this.aedes) await new Promise<void>((resolve) => this.aedes!.close(() => resolve()))
    this.aedes = undefined
    await closing
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
    const boxId = username ?? ''
    // Never log the password, only whether one was given.
    if (!boxId || !password || !this.deps.registry.verifyBox(boxId, password.toString('utf8'))) {
      this.deps.log.warn({ box: boxId || null, passwordGiven: !!password }, 'connection refused: unknown box or wrong secret')
      return cb(authError('not authorized', 5), false)
    }
    boxOf.set(client, boxId)
    cb(null, true)
  }

  private authorizePublish(client: Client | null, packet: { topic: string; payload: Buffer | string }, cb: (err?: Error | null) => void): void {
    const boxId = client ? boxOf.get(client) : undefined
    const parsed = parseTopic(packet.topic)
    // Step 2 of the pipeline: a box publishes only to its own press and status topics.
    // Anything else is refused, and Aedes closes the connection.
    if (!boxId || !parsed || parsed.boxId !== boxId || (parsed.kind !== 'press' && parsed.kind !== 'status')) {
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

function listen(server: Server | import('node:http').Server, port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : err.message
      reject(new Error(`cannot listen for ${what} on ${host}:${port}: ${why}`))
    }
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      resolve()
    })
  })
}

function closeServer(server?: Server | import('node:http').Server): Promise<void> {
  if (!server || !server.listening) return Promise.resolve()
  return new Promise((resolve) => {
    server.close(() => resolve())
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
}
