/**
 * A real HTTP receiver (node:http on a free loopback port) for webhooks: keeps every request
 * body it gets, answers with the status the test sets (e.g. 503 while "down"), and can be
 * closed and reopened on the same port. Closed when the test (or file) is done.
 */
import { createServer, type Server } from 'node:http'
import { registerCleanup } from '../cleanup.ts'

export interface Received {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
  json: unknown
  at: number
}

export interface HttpReceiver {
  url: string
  port: number
  received: Received[]
  /** Status answered from now on (default 204). */
  status: number
  /** While true, requests are read and never answered (a receiver that hangs). */
  hang: boolean
  /** Stops listening: connections are refused, as when the receiver is down. */
  close(): Promise<void>
  /** Listens again on the same port. */
  reopen(): Promise<void>
  /** Resolves once at least `n` requests were received. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>
}

export async function startHttpReceiver(path = '/hook'): Promise<HttpReceiver> {
  const received: Received[] = []
  let server: Server | null = null
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          if (r.hang) return
          const body = Buffer.concat(chunks).toString('utf8')
          let json: unknown = null
          try {
            json = JSON.parse(body)
          } catch {
            // not JSON: kept as text
          }
          if (r.status < 300) received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json, at: Date.now() })
          res.statusCode = r.status
          res.end()
        })
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        server = s
        resolve((s.address() as { port: number }).port)
      })
    })
  const port = await listen(0)
  const close = () =>
    new Promise<void>((resolve) => {
      const s = server
      server = null
      if (!s) return resolve()
      s.closeAllConnections()
      s.close(() => resolve())
    })
  const r: HttpReceiver = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    status: 204,
    hang: false,
    close,
    async reopen() {
      await listen(port)
    },
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`${received.length} of ${n} requests within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      return received
    },
  }
  registerCleanup(close)
  return r
}
