/**
 * Server-sent events for the live view. Each dashboard holds one EventSource on
 * /api/live/events; the hub turns bus events into messages for the dashboards that may see
 * them (an office head only gets their office):
 *  - `presses`: new presses, batched every BATCH_MS (a busy province must not cost one write
 *    per press per dashboard); the browser adds them to its snapshot;
 *  - `box`: a box went online/offline;
 *  - `refresh`: the registry changed (duty, boxes, officers): fetch a new snapshot;
 *  - `alerts`: the current alert list.
 * A comment line every HEARTBEAT_MS keeps proxies from closing an idle stream and tells the
 * browser the stream is alive: it declares the stream lost after about two missed heartbeats
 * (public/stream.js), so the "disconnected" banner shows within 5 s of a silent drop.
 */
import type { ServerResponse } from 'node:http'
import type { GatewayBus, StoredPress } from '../events.ts'
import type { Alert, Alerts } from '../alerts/alerts.ts'
import type { Logger } from '../log.ts'

const BATCH_MS = 100
const HEARTBEAT_MS = 2_000
const REFRESH_MS = 200

export interface LivePress {
  id: number
  boxId: string
  rating: StoredPress['rating']
  repeat: boolean
  timeMs: number
  officeId: string | null
  counterId: string | null
  officerId: string | null
  /** Received while the host clock was known bad: its time (and so its officer) may be wrong. */
  clockBad?: true
}

interface Client {
  res: ServerResponse
  officeId: string | null
  pending: LivePress[]
  /** False once the session behind the stream ended (logout, expiry, password change). */
  valid: () => boolean
}

export class LiveHub {
  private readonly clients = new Set<Client>()
  private readonly unsubscribe: Array<() => void> = []
  private flushTimer: NodeJS.Timeout | undefined
  private refreshTimer: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined

  constructor(
    private readonly deps: { bus: GatewayBus; alerts: Alerts; officeOfBox: (boxId: string) => string | null; log: Logger; heartbeatMs?: number },
  ) {}

  start(): void {
    const { bus, alerts } = this.deps
    this.unsubscribe.push(
      bus.on('press', 'live-hub', (p) => this.onPress(p)),
      bus.on('boxStatus', 'live-hub', (s) => {
        const officeId = this.deps.officeOfBox(s.boxId)
        this.broadcast('box', { boxId: s.boxId, state: s.state, at: s.at }, officeId)
      }),
      bus.on('registryChanged', 'live-hub', () => this.refreshSoon()),
      alerts.onChange((list) => {
        for (const c of this.clients) this.send(c, 'alerts', visibleAlerts(list, c.officeId))
      }),
    )
    this.heartbeat = setInterval(() => {
      // A stream outlives no session: checked at each heartbeat (expiry), and at once when a
      // session is closed (closeEnded: logout, password change).
      this.closeEnded()
      for (const c of this.clients) c.res.write(': keep-alive\n\n')
    }, this.deps.heartbeatMs ?? HEARTBEAT_MS)
    this.heartbeat.unref()
  }

  /** Ends every stream whose session has ended. */
  closeEnded(): void {
    for (const c of this.clients) {
      if (c.valid()) continue
      this.clients.delete(c)
      c.res.end()
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u()
    clearInterval(this.heartbeat)
    clearTimeout(this.flushTimer)
    clearTimeout(this.refreshTimer)
    this.heartbeat = this.flushTimer = this.refreshTimer = undefined
    for (const c of this.clients) c.res.end()
    this.clients.clear()
  }

  get size(): number {
    return this.clients.size
  }

  /** Takes over a response as an event stream until the browser goes away. */
  attach(res: ServerResponse, officeId: string | null, valid: () => boolean = () => true): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    })
    const client: Client = { res, officeId, pending: [], valid }
    this.clients.add(client)
    this.send(client, 'hello', { officeId, heartbeatMs: this.deps.heartbeatMs ?? HEARTBEAT_MS })
    this.send(client, 'alerts', visibleAlerts(this.deps.alerts.list(), officeId))
    res.on('close', () => this.clients.delete(client))
  }

  private onPress(p: StoredPress): void {
    const live: LivePress = {
      id: p.id,
      boxId: p.boxId,
      rating: p.rating,
      repeat: p.repeat,
      timeMs: p.timeMs,
      officeId: p.officeId,
      counterId: p.counterId,
      officerId: p.officerId,
      ...(p.clockBad ? { clockBad: true as const } : {}),
    }
    let queued = false
    for (const c of this.clients) {
      if (c.officeId && c.officeId !== p.officeId) continue
      c.pending.push(live)
      queued = true
    }
    if (queued && !this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), BATCH_MS)
    }
  }

  private flush(): void {
    this.flushTimer = undefined
    for (const c of this.clients) {
      if (c.pending.length === 0) continue
      this.send(c, 'presses', c.pending)
      c.pending = []
    }
  }

  private refreshSoon(): void {
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      // Presses queued before the change go out first, so the new snapshot includes them.
      this.flush()
      this.broadcast('refresh', {}, null)
    }, REFRESH_MS)
  }

  private broadcast(event: string, data: unknown, officeId: string | null): void {
    for (const c of this.clients) {
      if (officeId && c.officeId && c.officeId !== officeId) continue
      this.send(c, event, data)
    }
  }

  private send(c: Client, event: string, data: unknown): void {
    try {
      c.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    } catch (err) {
      this.deps.log.warn({ err }, 'live stream write failed')
      this.clients.delete(c)
    }
  }
}

export function visibleAlerts(list: Alert[], officeId: string | null): Alert[] {
  // A head sees their office's alerts, and the gateway's own conditions (clock, disk, backup).
  return officeId ? list.filter((a) => a.officeId === officeId || a.kind === 'system') : list
}
