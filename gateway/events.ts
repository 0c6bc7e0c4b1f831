/**
 * One typed event emitter for the gateway's parts (model: MQTT.js TypedEmitter, zigbee2mqtt
 * eventBus). A listener that throws is logged with the event's name and does not stop the
 * other listeners, nor the part that emitted.
 */
import type { Logger } from 'pino'
import type { Rating } from '../protocol/index.ts'

export interface StoredPress {
  id: number
  boxId: string
  boot: string
  seq: number
  rating: Rating
  repeat: boolean
  /** Beyond the box's human rate (press-rate.ts); then `repeat` is true too. */
  burst?: boolean
  /** Received while the host clock was known bad (clock-guard.ts): its time may be wrong. */
  clockBad?: boolean
  receivedAt: number
  ageMs: number
  timeMs: number
  officeId: string | null
  counterId: string | null
  officerId: string | null
  /** The rating window the press rated (issue 13). */
  windowId?: string
  /** Made outside any rating window. */
  noWindow?: boolean
}

export interface RejectedMessage {
  id: number
  boxId: string | null
  topic: string
  receivedAt: number
  reason: string
}

export interface BoxStatusChange {
  boxId: string
  state: 'online' | 'offline'
  at: number
  status: unknown
}

export interface GatewayEvents {
  /** A press was committed to SQLite (emitted once per new press, never for a duplicate). */
  press: (press: StoredPress) => void
  /** A message could not be counted and was kept in the rejected table. */
  rejected: (message: RejectedMessage) => void
  /** A box connected, disconnected or published a status. */
  boxStatus: (change: BoxStatusChange) => void
  /** The registry changed (duty, assignments, boxes, shifts...): caches and configs refresh. */
  registryChanged: (what: RegistryChange) => void
}

/**
 * What changed: `kind` is office, counter, officer, box, assignment, duty, shift, or external
 * (another process committed); the ids say what it concerns (config-publisher.ts relies on them).
 */
export interface RegistryChange {
  kind: string
  counterId?: string
  boxId?: string
  officerId?: string
}

type Listener = (...args: never[]) => void

export class EventBus<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Array<{ name: string; fn: Listener }>>()

  constructor(private readonly log?: Logger) {}

  /** Registers a listener; `name` identifies it in the log if it throws. Returns an unsubscribe function. */
  on<K extends keyof Events>(event: K, name: string, fn: Events[K]): () => void {
    const list = this.listeners.get(event) ?? []
    const entry = { name, fn: fn as Listener }
    list.push(entry)
    this.listeners.set(event, list)
    return () => {
      const l = this.listeners.get(event)
      if (l) this.listeners.set(event, l.filter((e) => e !== entry))
    }
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const { name, fn } of this.listeners.get(event) ?? []) {
      try {
        ;(fn as (...a: Parameters<Events[K]>) => void)(...args)
      } catch (err) {
        this.log?.error({ err, event: String(event), listener: name }, 'event listener failed')
      }
    }
  }
}

export type GatewayBus = EventBus<GatewayEvents>
