/**
 * A centre's gateway forwarding to the central store, for tests: the small office of
 * helpers/office.ts with every officer on shift all week (so presses are attributed), no
 * cooldown and no human-rate limit (tests press fast), and helpers to press and to compare.
 */
import type { MqttClient } from 'mqtt'
import pg from 'pg'
import { pressTopic } from '../../protocol/index.ts'
import { buildReport } from '../../gateway/report.ts'
import type { CentralForwarder, CentralStatus } from '../../gateway/central/forwarder.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

export const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7]
export const CENTRE_REGISTRY = {
  ...OFFICE,
  shifts: [
    { counter: 'q1', officer: 'an', days: ALL_WEEK, from: '00:00', to: '24:00' },
    { counter: 'q2', officer: 'binh', days: ALL_WEEK, from: '00:00', to: '24:00' },
  ],
}
export const INGEST = { cooldownMs: 0, burst: { presses: 1_000_000, windowMs: 1000 } }
export const RATINGS = ['positive', 'neutral', 'negative'] as const

export function centralSection(url: string, centre: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { url, centre, flushIntervalMs: 50, minBackoffMs: 50, maxBackoffMs: 500, recheckMs: 500, connectTimeoutMs: 2000, batchSize: 100, ...extra }
}

export async function startCentreGateway(url: string, centre: string, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  return startTestGateway({
    registry: CENTRE_REGISTRY,
    config: { ingest: INGEST, central: centralSection(url, centre, extra), http: { enabled: false } },
    standardParts: true,
  })
}

export function forwarder(g: TestGateway): CentralForwarder {
  const part = (g.gw as unknown as { running: Array<{ name: string }> }).running.find((p) => p.name === 'central')
  if (!part) throw new Error('no central part running')
  return part as unknown as CentralForwarder
}

export function centralStatus(g: TestGateway): CentralStatus | undefined {
  return g.gw.health().parts.find((p) => p.name === 'central')?.status as CentralStatus | undefined
}

/** A box's client that presses with QoS 1 (resolved once the gateway stored the press). */
export class PressingBox {
  seq = 0
  readonly acknowledged: Array<{ seq: number; rating: (typeof RATINGS)[number] }> = []
  private constructor(
    readonly box: string,
    private readonly client: MqttClient,
  ) {}

  static async connect(g: TestGateway, box: string): Promise<PressingBox> {
    return new PressingBox(box, await g.connectBox(box, SECRET(box)))
  }

  async press(rating: (typeof RATINGS)[number]): Promise<void> {
    const seq = ++this.seq
    await this.client.publishAsync(pressTopic(this.box), press(seq, rating), { qos: 1 })
    this.acknowledged.push({ seq, rating })
  }
}

export type Counts = Record<string, { positive: number; neutral: number; negative: number }>

/** The gateway's own report per officer, over all time. */
export function localCounts(g: TestGateway): Counts {
  const report = buildReport(g.gw.db, { fromMs: 0, toMs: 4_102_444_800_000, by: 'officer' })
  const out: Counts = {}
  for (const r of report.rows) out[r.key] = { positive: r.positive ?? 0, neutral: r.neutral ?? 0, negative: r.negative ?? 0 }
  return out
}

/** The same counts from the central store (repeats left out, as in every report). */
export async function centralCounts(url: string, centre: string): Promise<Counts> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ officer: string | null; rating: string; n: string }>(
      `SELECT officer_id AS officer, rating, count(*) AS n FROM chamdiem.presses
       WHERE centre_id = $1 AND NOT repeat GROUP BY 1, 2`,
      [centre],
    )
    const out: Counts = {}
    for (const r of rows) {
      const key = r.officer ?? 'unattributed'
      out[key] ??= { positive: 0, neutral: 0, negative: 0 }
      out[key][r.rating as (typeof RATINGS)[number]] = Number(r.n)
    }
    return out
  } finally {
    await client.end()
  }
}
