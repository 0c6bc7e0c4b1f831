/**
 * The broker's four listeners: MQTT over TCP, over TLS, over WebSocket and over secure
 * WebSocket. Each hands every new connection, as a byte stream, to one `handle` function;
 * the TLS ones take their certificate from files and can load them again while running
 * (`reload`, on SIGHUP) without dropping connections: new handshakes use the new certificate.
 */
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import type { Duplex } from 'node:stream'
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls'
import type { WebSocketServer } from 'ws'

export interface TlsFiles {
  cert: string
  key: string
  ca?: string
}

export type Handle = (stream: Duplex, remoteAddress: string | undefined, req?: IncomingMessage) => { refuseFrame(): void }

export class Listener {
  private wss?: WebSocketServer

  private constructor(
    /** How the config names it, for errors: "MQTT over TLS (mqtt.tls.port)". */
    readonly what: string,
    readonly server: NetServer | HttpServer,
    private readonly tls?: TlsFiles,
  ) {}

  /** MQTT over TCP, or over TLS when `tls` is given. */
  static mqtt(what: string, handle: Handle, tls?: TlsFiles): Listener {
    const onSocket = (socket: Duplex & { remoteAddress?: string }) => handle(socket, socket.remoteAddress)
    const server = tls ? createTlsServer(loadTlsFiles(tls), onSocket) : createNetServer(onSocket)
    return new Listener(what, server, tls)
  }

  /**
   * MQTT over WebSocket (secure when `tls` is given). `maxPayload` bounds one frame: ws
   * closes the connection (1009) from the frame header, before buffering the frame. ws is
   * loaded only here: a gateway without a WebSocket listener never holds it.
   */
  static async ws(what: string, handle: Handle, maxPayload: number, tls?: TlsFiles): Promise<Listener> {
    const { WebSocketServer, createWebSocketStream } = await import('ws')
    const refuse = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n')
    }
    const server = tls ? createHttpsServer(loadTlsFiles(tls), refuse) : createHttpServer(refuse)
    const listener = new Listener(what, server, tls)
    listener.wss = new WebSocketServer({ server, maxPayload })
    listener.wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws)
      stream.on('error', () => ws.terminate())
      const connection = handle(stream, req.socket.remoteAddress, req)
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') connection.refuseFrame()
      })
    })
    return listener
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0
  }

  /** Loads the certificate files again; throws (keeping the current ones) if they cannot be read. */
  reload(): void {
    if (this.tls) (this.server as TlsServer).setSecureContext(loadTlsFiles(this.tls))
  }

  listen(port: number, host: string): Promise<void> {
    const server = this.server
    return new Promise((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : err.message
        reject(new Error(`cannot listen for ${this.what} on ${host}:${port}: ${why}`))
      }
      server.once('error', fail)
      server.listen(port, host, () => {
        server.off('error', fail)
        resolve()
      })
    })
  }

  /** Stops accepting and ends the open connections. */
  close(): Promise<void> {
    const server = this.server
    for (const ws of this.wss?.clients ?? []) ws.terminate()
    if (!server.listening) return Promise.resolve()
    return new Promise((resolve) => {
      server.close(() => resolve())
      if ('closeAllConnections' in server) server.closeAllConnections()
    })
  }
}

/** Reads the certificate, key and optional CA files, naming the file that fails. */
export function loadTlsFiles(files: TlsFiles): SecureContextOptions {
  const read = (key: keyof TlsFiles) => {
    const file = files[key]!
    try {
      return readFileSync(file)
    } catch (err) {
      throw new Error(`cannot read mqtt.tls.${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  return { cert: read('cert'), key: read('key'), ...(files.ca ? { ca: read('ca') } : {}) }
}
