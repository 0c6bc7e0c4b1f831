/**
 * What the central forwarder reads from SQLite and how it writes it into PostgreSQL.
 *
 * Presses and rejected messages are append-only in SQLite, so they travel through the outbox
 * (id order, a cursor each). Each batch is one `INSERT ... SELECT FROM unnest(...)` (one round
 * trip whatever the batch size) with `ON CONFLICT DO NOTHING`: a batch sent again after a
 * crash between COMMIT and the cursor's own commit inserts nothing.
 *
 * The registry and its history change in place (a sign-out ends a duty session, a shift is
 * deleted), and are small (hundreds to a few thousand rows a year per centre): they are sent
 * whole, as upserts that write only rows that differ, whenever the registry changes.
 */
import type pg from 'pg'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

/** The raw press columns, in the order of PRESS_INSERT's arrays. */
const PRESS_SELECT = `SELECT id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id
  FROM presses WHERE id > ? ORDER BY id LIMIT ?`

const PRESS_INSERT = `INSERT INTO chamdiem.presses
  (centre_id, gateway_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id)
  SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::boolean[], $8::boolean[],
    $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::text[])
  ON CONFLICT DO NOTHING`

const REJECTED_SELECT = 'SELECT id, box_id, topic, received_at, reason FROM rejected WHERE id > ? ORDER BY id LIMIT ?'

const REJECTED_INSERT = `INSERT INTO chamdiem.rejected (centre_id, id, box_id, topic, received_at, reason)
  SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[])
  ON CONFLICT DO NOTHING`

type Raw = unknown[]

/** Rows as column arrays (what unnest takes), and the last id among them. */
export interface ColumnBatch {
  count: number
  lastId: number
  columns: unknown[][]
}

function toColumns(rows: Raw[], width: number, booleans: number[] = []): ColumnBatch {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array(rows.length))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    for (let c = 0; c < width; c++) columns[c][r] = booleans.includes(c) ? row[c] === 1 : row[c]
  }
  return { count: rows.length, lastId: rows.length > 0 ? (rows.at(-1)![0] as number) : 0, columns }
}

/**
 * The registry tables as sent: SQLite query, PostgreSQL table, key and value columns. The
 * upsert writes only when a value differs (IS DISTINCT FROM), so a full send that changes
 * nothing costs PostgreSQL no new row versions.
 */
const REGISTRY: Array<{ table: string; select: string; key: string; values: string[]; types: string[]; booleans?: number[] }> = [
  { table: 'offices', select: 'SELECT id, name FROM offices', key: 'id', values: ['name'], types: ['text', 'text'] },
  { table: 'counters', select: 'SELECT id, office_id, name FROM counters', key: 'id', values: ['office_id', 'name'], types: ['text', 'text', 'text'] },
  {
    table: 'officers',
    select: 'SELECT id, office_id, name, active FROM officers',
    key: 'id',
    values: ['office_id', 'name', 'active'],
    types: ['text', 'text', 'text', 'boolean'],
    booleans: [3],
  },
  { table: 'boxes', select: 'SELECT id, created_at, retired_at FROM boxes', key: 'id', values: ['created_at', 'retired_at'], types: ['text', 'bigint', 'bigint'] },
  {
    table: 'box_assignments',
    select: 'SELECT id, box_id, counter_id, from_ms, to_ms FROM box_assignments',
    key: 'id',
    values: ['box_id', 'counter_id', 'from_ms', 'to_ms'],
    types: ['bigint', 'text', 'text', 'bigint', 'bigint'],
  },
  {
    table: 'duty_sessions',
    select: 'SELECT id, counter_id, officer_id, start_ms, end_ms, source FROM duty_sessions',
    key: 'id',
    values: ['counter_id', 'officer_id', 'start_ms', 'end_ms', 'source'],
    types: ['bigint', 'text', 'text', 'bigint', 'bigint', 'text'],
  },
  {
    table: 'shifts',
    select: 'SELECT id, counter_id, officer_id, weekday, start_min, end_min FROM shifts',
    key: 'id',
    values: ['counter_id', 'officer_id', 'weekday', 'start_min', 'end_min'],
    types: ['bigint', 'text', 'text', 'smallint', 'smallint', 'smallint'],
  },
]

function upsertSql(t: (typeof REGISTRY)[number]): string {
  const cols = [t.key, ...t.values]
  const arrays = t.types.map((type, i) => `$${i + 2}::${type}[]`).join(', ')
  const set = t.values.map((v) => `${v} = excluded.${v}`)
  // A shift that comes back (or is sent again) is no longer removed.
  if (t.table === 'shifts') set.push('removed_at = NULL')
  const current = t.values.map((v) => `c.${v}`).join(', ')
  const incoming = t.values.map((v) => `excluded.${v}`).join(', ')
  const removed = t.table === 'shifts' ? ' OR c.removed_at IS NOT NULL' : ''
  return `INSERT INTO chamdiem.${t.table} AS c (centre_id, ${cols.join(', ')})
    SELECT $1, * FROM unnest(${arrays})
    ON CONFLICT (centre_id, ${t.key}) DO UPDATE SET ${set.join(', ')}
    WHERE (${current}) IS DISTINCT FROM (${incoming})${removed}`
}

export class CentralRows {
  private readonly presses
  private readonly rejected
  private readonly registry
  private readonly lastPress
  private readonly lastRejected

  constructor(db: Db) {
    this.presses = sql<[number, number], Raw>(db, PRESS_SELECT, { raw: true })
    this.rejected = sql<[number, number], Raw>(db, REJECTED_SELECT, { raw: true })
    this.registry = REGISTRY.map((t) => ({ ...t, read: sql<[], Raw>(db, t.select, { raw: true }), upsert: upsertSql(t) }))
    this.lastPress = sql<[], { n: number }>(db, 'SELECT coalesce(max(id), 0) AS n FROM presses')
    this.lastRejected = sql<[], { n: number }>(db, 'SELECT coalesce(max(id), 0) AS n FROM rejected')
  }

  lastPressId(): number {
    return this.lastPress.get()!.n
  }

  lastRejectedId(): number {
    return this.lastRejected.get()!.n
  }

  pressBatch(after: number, limit: number): ColumnBatch {
    return toColumns(this.presses.all(after, limit), 13, [5, 6])
  }

  rejectedBatch(after: number, limit: number): ColumnBatch {
    return toColumns(this.rejected.all(after, limit), 5)
  }

  /** Inserts the batch (inside the caller's transaction); resolves to the rows new to PostgreSQL. */
  async insertPresses(client: pg.Client, centre: string, batch: ColumnBatch): Promise<number> {
    if (batch.count === 0) return 0
    return (await client.query(PRESS_INSERT, [centre, ...batch.columns])).rowCount ?? 0
  }

  async insertRejected(client: pg.Client, centre: string, batch: ColumnBatch): Promise<number> {
    if (batch.count === 0) return 0
    return (await client.query(REJECTED_INSERT, [centre, ...batch.columns])).rowCount ?? 0
  }

  /** Sends the whole registry and its history (inside the caller's transaction); resolves to the rows written. */
  async syncRegistry(client: pg.Client, centre: string): Promise<number> {
    let written = 0
    for (const t of this.registry) {
      const batch = toColumns(t.read.all(), t.types.length, t.booleans)
      if (batch.count > 0) written += (await client.query(t.upsert, [centre, ...batch.columns])).rowCount ?? 0
      if (t.table === 'shifts') {
        const ids = batch.count > 0 ? batch.columns[0] : []
        const removed = await client.query(
          'UPDATE chamdiem.shifts SET removed_at = now() WHERE centre_id = $1 AND removed_at IS NULL AND NOT (id = ANY($2::bigint[]))',
          [centre, ids],
        )
        written += removed.rowCount ?? 0
      }
    }
    return written
  }
}
