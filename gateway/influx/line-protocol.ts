/**
 * Presses as InfluxDB line protocol (DESIGN.md, "InfluxDB forwarder"):
 *
 *   press,box=B,counter=C,office=O,officer=X,rating=positive,repeat=false value=1i <ns>
 *
 * Tags are written in key order (what InfluxDB sorts them to anyway, so it does not have to).
 * The timestamp is the press time in nanoseconds whose last six digits are `seq % 1e6`: two
 * presses of one box in the same millisecond get different timestamps (InfluxDB would keep
 * only one point per series and timestamp), and a re-sent batch rewrites exactly the points
 * it wrote before, so a retry never double counts.
 *
 * Strings are built directly (no Point objects): this runs for every press, 200k+ a second
 * when a backlog drains.
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
export function pressTimestamp(timeMs: number, seq: number): string {
  const sub = String(seq % 1_000_000)
  return `${Math.trunc(timeMs)}${'000000'.slice(sub.length)}${sub}`
}

export function pressLine(row: PressRow): string {
  const [, boxId, seq, rating, repeat, timeMs, officeId, counterId, officerId] = row
  return (
    `${MEASUREMENT},box=${escapeTag(boxId)}` +
    `,counter=${counterId === null ? UNASSIGNED : escapeTag(counterId)}` +
    `,office=${officeId === null ? UNASSIGNED : escapeTag(officeId)}` +
    `,officer=${officerId === null ? UNATTRIBUTED : escapeTag(officerId)}` +
    `,rating=${rating},repeat=${repeat ? 'true' : 'false'} value=1i ${pressTimestamp(timeMs, seq)}`
  )
}

export function pressLines(rows: PressRow[]): string[] {
  const lines = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i++) lines[i] = pressLine(rows[i])
  return lines
}
