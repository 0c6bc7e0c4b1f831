/**
 * Presses as InfluxDB line protocol (DESIGN.md, "InfluxDB forwarder"):
 *
 *   press,box=B,counter=C,office=O,officer=X,rating=positive,repeat=false value=1i <ns>
 *
 * Tags are written in key order (what InfluxDB sorts them to anyway, so it does not have to).
 * The timestamp is the press time in nanoseconds whose last six digits are the press's row id
 * `% 1e6`: InfluxDB keeps one point per series and timestamp, so presses of one box in the same
 * millisecond need different digits. `seq` alone is not enough ({boot:A,seq:n} and
 * {boot:B,seq:n} would merge); the row id stands for the whole identity (box, boot, seq) —
 * UNIQUE in `presses`, so a press is stored once and keeps its id — and the outbox ships stored
 * rows, so a re-sent batch rewrites exactly the points it wrote before (a retry never double
 * counts). Two presses collide only with the same tags, the same millisecond and row ids a
 * multiple of a million apart. Unlike a hash of (box, boot, seq) it costs SQLite nothing.
 *
 * The forwarder has SQLite build the lines (batchQuery below): formatting in SQL costs about
 * as much as reading the rows at all, where building them in JavaScript doubles the cost, and
 * a backlog must drain at 200k+ points a second. `pressLine` is the same format in JavaScript:
 * the reference the SQL is tested against, and what other code can reuse.
 */
import type { Rating } from '../../protocol/index.ts'

export const MEASUREMENT = 'press'
/** Tag value of a press whose box had no counter (hence no office) at the time. */
export const UNASSIGNED = 'unassigned'
/** Tag value of a press with no officer on duty (DESIGN.md). */
export const UNATTRIBUTED = 'unattributed'

/** The columns of `presses` the forwarder reads, in this order (raw rows from SQLite). */
export const PRESS_COLUMNS = 'id, box_id, seq, rating, repeat, time_ms, office_id, counter_id, officer_id'
export type PressRow = [
  id: number,
  boxId: string,
  seq: number,
  rating: Rating,
  repeat: number,
  timeMs: number,
  officeId: string | null,
  counterId: string | null,
  officerId: string | null,
]

const NEEDS_ESCAPE = /[ ,=\\\n\r\t]/
const ESCAPES: Record<string, string> = { ' ': '\\ ', ',': '\\,', '=': '\\=', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * Escapes a tag value: commas, equals signs and spaces get a backslash (line protocol
 * "Special characters"); UTF-8 such as Vietnamese passes as it is. Newlines and tabs cannot be
 * carried by the protocol and are written as `\n` / `\t` text. A trailing backslash would
 * escape the separator after it, so it is doubled; an empty value (invalid) becomes `_`.
 */
export function escapeTag(value: string): string {
  if (value === '') return '_'
  if (!NEEDS_ESCAPE.test(value)) return value
  let out = value.replace(/[ ,=\n\r\t]/g, (c) => ESCAPES[c])
  if (out.endsWith('\\')) out += '\\'
  return out
}

/** The nanosecond timestamp as decimal text (it exceeds 2^53, so no Number arithmetic). */
export function pressTimestamp(timeMs: number, id: number): string {
  const sub = String(id % 1_000_000)
  return `${Math.trunc(timeMs)}${'000000'.slice(sub.length)}${sub}`
}

export function pressLine(row: PressRow): string {
  const [id, boxId, , rating, repeat, timeMs, officeId, counterId, officerId] = row
  return (
    `${MEASUREMENT},box=${escapeTag(boxId)}` +
    `,counter=${counterId === null ? UNASSIGNED : escapeTag(counterId)}` +
    `,office=${officeId === null ? UNASSIGNED : escapeTag(officeId)}` +
    `,officer=${officerId === null ? UNATTRIBUTED : escapeTag(officerId)}` +
    `,rating=${rating},repeat=${repeat ? 'true' : 'false'} value=1i ${pressTimestamp(timeMs, id)}`
  )
}

export function pressLines(rows: PressRow[]): string[] {
  const lines = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i++) lines[i] = pressLine(rows[i])
  return lines
}

/** SQL text of a string literal. */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`

/** escapeTag() in SQL, for a nullable column (NULL -> `ifNull`). */
function escapeTagSql(column: string, ifNull: string): string {
  let escaped = column
  for (const [c, e] of Object.entries(ESCAPES)) {
    const from = c === '\n' ? 'char(10)' : c === '\r' ? 'char(13)' : c === '\t' ? 'char(9)' : lit(c)
    escaped = `replace(${escaped}, ${from}, ${lit(e)})`
  }
  // Registry ids and box ids are slugs, so the GLOB (one scan, raw tab/LF/CR in the class)
  // almost always sends the value through as it is; the replace chain costs 4x more.
  return (
    `CASE WHEN ${column} IS NULL THEN ${lit(ifNull)} ` +
    `WHEN NOT (${column} GLOB '*[ ,=\\\t\n\r]*' OR ${column} = '') THEN ${column} ` +
    `WHEN ${column} = '' THEN '_' ` +
    `WHEN substr(${column}, -1) = '\\' THEN ${escaped} || '\\' ELSE ${escaped} END`
  )
}

/** pressLine() in SQL, over the columns of `presses`. */
export const PRESS_LINE_SQL =
  `${lit(MEASUREMENT + ',box=')} || ${escapeTagSql('box_id', '_')}` +
  ` || ',counter=' || ${escapeTagSql('counter_id', UNASSIGNED)}` +
  ` || ',office=' || ${escapeTagSql('office_id', UNASSIGNED)}` +
  ` || ',officer=' || ${escapeTagSql('officer_id', UNATTRIBUTED)}` +
  ` || ',rating=' || rating || ',repeat=' || CASE WHEN repeat THEN 'true' ELSE 'false' END` +
  ` || ' value=1i ' || time_ms || substr('00000' || (id % 1000000), -6)`

/**
 * One batch of the outbox as one request body: parameters (after id, limit); result
 * `{ lastId, points, body }` (points 0 when the outbox is empty). Line order within a body
 * does not matter to InfluxDB.
 */
export const BATCH_SQL =
  `SELECT max(id) AS lastId, count(*) AS points, group_concat(line, char(10)) AS body ` +
  `FROM (SELECT id, ${PRESS_LINE_SQL} AS line FROM presses WHERE id > ? ORDER BY id LIMIT ?)`
export interface Batch {
  lastId: number | null
  points: number
  body: string | null
}
