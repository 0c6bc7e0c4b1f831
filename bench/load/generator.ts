/**
 * The load generator, run as its own process (see lib/child.ts): many MQTT connections over
 * raw sockets, each keeping a window of unacknowledged QoS 1 presses, or pacing presses at
 * a fixed rate. It measures publish -> PUBACK latency and throughput; with `recordSends`
 * it also returns each press's send time (epoch ms) so the parent can measure publish ->
 * dashboard event. Every run is bounded by its press count and by `timeLimitMs`.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { serveParent } from '../lib/child.ts'
import { latencySummary } from '../lib/stats.ts'
import { PacketReader, PINGREQ, connect, publishQos1 } from './wire.ts'

export interface BoxCredentials {
  id: string
  secret: string
}

export interface LoadJob {
  port: number
  boxes: BoxCredentials[]
  /** Unacknowledged presses allowed per connection. */
  window: number
  /** Presses each box sends. */
  perBox: number
  /** Paced mode: presses per second over all boxes. Omit to send as fast as PUBACKs allow. */
  totalRate?: number
  /** Boot id put in every payload; differs per run so (box, boot, seq) never repeats. */
  boot: string
  timeLimitMs: number
  /** Connections opened at once. */
  connectBatch?: number
  keepalive?: number
  /** Return each press's send time so the parent can match it to a dashboard event. */
  recordSends?: boolean
  /**
   * A box's queue draining after an outage: each box's presses are dated this many ms apart in
   * the past (`ageMs`), the last one just now, as a box sends what it queued. Absent: every
   * press is sent as pressed just now, hundreds a second per box, which a gateway judges beyond
   * a human rate (a flood).
   */
  queuedSpacingMs?: number
  /** Return the seqs each box had acknowledged: the ledger a durability check compares with a store. */
  recordAcks?: boolean
}

export interface LoadResult {
  connected: number
  refused: number
  closedEarly: number
  sent: number
  acked: number
  connectMs: number
  elapsedMs: number
  /** Acknowledged presses per second between the first publish and the last PUBACK. */
  rate: number
  latencyMs: { p50: number; p99: number; max: number; n: number }
  timedOut: boolean
  /** With recordSends: `sends[i]` is [boxIndex, seq, epochMs]. */
  sends?: Array<[number, number, number]>
  /** With recordAcks: `acks[boxIndex]` lists the seqs that box had acknowledged. */
  acks?: number[][]
}

const RATINGS = ['positive', 'neutral', 'negative'] as const
const now = () => performance.now()
const epochMs = () => performance.timeOrigin + performance.now()

class Conn {
  readonly topic: Buffer
  socket!: Socket
  nextSeq = 1
  nextId = 1
  inFlight = 0
  readonly sentAt = new Map<number, number>()
  /** Packet id -> seq of the presses in flight (kept only with recordAcks). */
  readonly seqOf = new Map<number, number>()
  connacked = false
  closed = false

  constructor(
    readonly index: number,
    readonly box: BoxCredentials,
  ) {
    this.topic = Buffer.from(`chamdiem/v1/boxes/${box.id}/press`)
  }
}

/** Opens connections in batches; resolves with the ones that got CONNACK 0. */
async function openAll(
  job: Pick<LoadJob, 'port' | 'boxes' | 'connectBatch' | 'keepalive'>,
  deadline: number,
  onAck: (c: Conn, packetId: number) => void,
): Promise<{ conns: Conn[]; refused: number; closedEarly: () => number }> {
  const conns = job.boxes.map((b, i) => new Conn(i, b))
  let refused = 0
  let closedEarly = 0
  const batch = job.connectBatch ?? 200
  for (let start = 0; start < conns.length; start += batch) {
    if (now() > deadline) throw new Error(`connecting took longer than the time limit (${start} of ${conns.length} connected)`)
    await Promise.all(
      conns.slice(start, start + batch).map(
        (c) =>
          new Promise<void>((resolve) => {
            const socket = netConnect({ port: job.port, host: '127.0.0.1', noDelay: true })
            c.socket = socket
            const timer = setTimeout(() => {
              socket.destroy()
              resolve()
            }, 30_000)
            const reader = new PacketReader((type, _flags, body) => {
              if (type === 4) onAck(c, body.readUInt16BE(0))
              else if (type === 2) {
                clearTimeout(timer)
                if (body[1] === 0) c.connacked = true
                else refused++
                resolve()
              }
            })
            socket.on('data', (chunk) => {
              socket.cork()
              reader.push(chunk)
              socket.uncork()
            })
            socket.on('error', () => {})
            socket.on('close', () => {
              if (!c.closed) closedEarly++
              c.closed = true
              clearTimeout(timer)
              resolve()
            })
            socket.write(connect(c.box.id, c.box.id, c.box.secret, job.keepalive ?? 60))
          }),
      ),
    )
  }
  return { conns: conns.filter((c) => c.connacked), refused, closedEarly: () => closedEarly }
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const t0 = now()
  const deadline = t0 + job.timeLimitMs
  const total = job.boxes.length * job.perBox
  const latUs = new Float64Array(total)
  const sends: Array<[number, number, number]> | undefined = job.recordSends ? [] : undefined
  const acks: number[][] | undefined = job.recordAcks ? job.boxes.map(() => []) : undefined
  let acked = 0
  let sent = 0
  let lastAck = 0
  let finish: () => void = () => {}
  const done = new Promise<void>((r) => (finish = r))
  const spacing = job.queuedSpacingMs ?? 0
  const payloads = RATINGS.map((r) => `","rating":"${r}","ageMs":`)

  const send = (c: Conn) => {
    const seq = c.nextSeq++
    const id = c.nextId
    c.nextId = id === 65535 ? 1 : id + 1
    const ageMs = spacing * Math.max(0, job.perBox - seq)
    const payload = Buffer.from(`{"seq":${seq},"boot":"${job.boot}${payloads[seq % 3]}${ageMs}}`)
    c.inFlight++
    sent++
    c.sentAt.set(id, now())
    if (acks) c.seqOf.set(id, seq)
    if (sends) sends.push([c.index, seq, epochMs()])
    c.socket.write(publishQos1(c.topic, id, payload))
  }
  const paced = job.totalRate !== undefined

  const onAck = (c: Conn, id: number) => {
    const at = c.sentAt.get(id)
    if (at === undefined) return
    c.sentAt.delete(id)
    if (acks) {
      acks[c.index].push(c.seqOf.get(id)!)
      c.seqOf.delete(id)
    }
    c.inFlight--
    const t = now()
    if (acked < total) latUs[acked] = (t - at) * 1000
    acked++
    lastAck = t
    if (!paced && c.nextSeq <= job.perBox && t < deadline) send(c)
    if (acked >= total) finish()
  }

  const { conns, refused, closedEarly } = await openAll(job, deadline, onAck)
  const connectMs = now() - t0
  const expected = conns.length * job.perBox
  const start = now()
  let timer: NodeJS.Timeout | undefined
  if (!paced) {
    for (const c of conns) {
      c.socket.cork()
      for (let i = 0; i < job.window && c.nextSeq <= job.perBox; i++) send(c)
      process.nextTick(() => c.socket.uncork())
    }
  } else {
    // Round-robin over boxes at the total rate: each box presses once per boxes/rate seconds,
    // phases spread evenly, as a fleet of independent boxes would.
    let cursor = 0
    timer = setInterval(() => {
      const due = Math.min(expected, Math.floor(((now() - start) / 1000) * job.totalRate!))
      let guard = conns.length
      while (sent < due && guard > 0) {
        const c = conns[cursor]
        cursor = (cursor + 1) % conns.length
        if (c.closed || c.nextSeq > job.perBox || c.inFlight >= job.window) {
          guard--
          continue
        }
        guard = conns.length
        send(c)
      }
    }, 2)
  }
  if (expected === 0) finish()
  // Keepalive (MQTT-3.1.2-24) for runs longer than the keepalive.
  const ping = setInterval(() => {
    for (const c of conns) if (!c.closed) c.socket.write(PINGREQ)
  }, ((job.keepalive ?? 60) * 1000) / 2)
  const stopper = setInterval(() => {
    if (now() > deadline || conns.every((c) => c.closed)) finish()
    if (acked >= expected) finish()
  }, 50)
  await done
  clearInterval(stopper)
  clearInterval(ping)
  if (timer) clearInterval(timer)
  const timedOut = acked < expected
  for (const c of conns) c.socket.end()
  const elapsedMs = (lastAck || now()) - start
  return {
    connected: conns.length,
    refused,
    closedEarly: closedEarly(),
    sent,
    acked,
    connectMs,
    elapsedMs,
    rate: acked / (elapsedMs / 1000),
    latencyMs: latencySummary(latUs.subarray(0, Math.min(acked, total))),
    timedOut,
    sends,
    acks,
  }
}

/** Idle connections for the memory benchmark: held until `release`. */
let held: Conn[] = []
let heldPing: NodeJS.Timeout | undefined

async function hold(job: Pick<LoadJob, 'port' | 'boxes' | 'connectBatch' | 'keepalive' | 'timeLimitMs'>) {
  const t0 = now()
  const { conns, refused, closedEarly } = await openAll(job, t0 + job.timeLimitMs, () => {})
  held.push(...conns)
  heldPing ??= setInterval(() => {
    for (const c of held) if (!c.closed) c.socket.write(PINGREQ)
  }, ((job.keepalive ?? 60) * 1000) / 2)
  return { connected: conns.length, refused, closedEarly: closedEarly(), held: held.length, connectMs: now() - t0 }
}

async function release() {
  const n = held.length
  await Promise.all(
    held.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) return resolve()
          c.socket.once('close', () => resolve())
          c.socket.destroy()
        }),
    ),
  )
  held = []
  if (heldPing) clearInterval(heldPing)
  heldPing = undefined
  return { released: n }
}

serveParent(
  { pid: process.pid },
  {
    run: (m) => runLoad(m.job as LoadJob),
    hold: (m) => hold(m.job as LoadJob),
    release: () => release(),
  },
  () => {
    for (const c of held) c.socket.destroy()
  },
)
