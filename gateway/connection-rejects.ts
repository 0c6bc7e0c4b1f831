/**
 * Rejected-table rows for what the broker refuses on a connection before any message is read
 * (a packet announcing more than mqtt.maxPacketBytes). There is no payload to keep, so the
 * row's raw bytes are empty; the dashboard and the "rejected" alert show it like any other.
 */
import type { GatewayBus } from './events.ts'
import type { Db } from './store/database.ts'

export interface ConnectionReject {
  boxId: string | null
  topic: string
  reason: string
}

export function recordConnectionReject(deps: { db: Db; bus: GatewayBus; now: () => number }, r: ConnectionReject): void {
  const receivedAt = deps.now()
  const id = Number(
    deps.db.prepare('INSERT INTO rejected (box_id, topic, received_at, reason, raw) VALUES (?, ?, ?, ?, ?)').run(r.boxId, r.topic, receivedAt, r.reason, Buffer.alloc(0)).lastInsertRowid,
  )
  deps.bus.emit('rejected', { id, boxId: r.boxId, topic: r.topic, receivedAt, reason: r.reason })
}
