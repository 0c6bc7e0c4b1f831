/**
 * The period a request asks for, in the province's time zone. Three spellings:
 *   period=2026-05 | 2026-Q2 | 2026-H1 | 2026-9M | 2026   (the codes the gateway's reports use)
 *   period=month|quarter|half|nine-months|year&year=2026&n=2   (the API's first spelling)
 *   from=2026-04-01&to=2026-04-15                           (days, both ends inclusive)
 */
import { localMidnight } from '../../local-time.ts'
import { period, type PeriodKind } from '../province-queries.ts'

export interface AskedPeriod {
  kind: PeriodKind | 'range'
  label: string
  fromMs: number
  toMs: number
}

export interface PeriodQuery {
  period?: string
  year?: string
  n?: string
  from?: string
  to?: string
}

const KINDS: PeriodKind[] = ['month', 'quarter', 'half', 'nine-months', 'year']
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
/** A range longer than this is a mistake (or a way to load the store), not a report. */
const MAX_RANGE_DAYS = 3 * 366

function checkYear(year: number): number {
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new RangeError('year must be given, e.g. year=2026')
  return year
}

function validDate(text: string | undefined, name: string): string {
  const m = DATE.exec(text ?? '')
  const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null
  if (!m || !d || d.toISOString().slice(0, 10) !== text)
    throw new RangeError(`${name} must be a date YYYY-MM-DD`)
  return text!
}

/** The day after a YYYY-MM-DD date. */
function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

export function askedPeriod(q: PeriodQuery, timeZone: string): AskedPeriod {
  if (q.from !== undefined || q.to !== undefined) {
    const from = validDate(q.from, 'from')
    const to = validDate(q.to, 'to')
    if (to < from) throw new RangeError('to must not be before from')
    checkYear(+from.slice(0, 4))
    checkYear(+to.slice(0, 4))
    const fromMs = localMidnight(from, timeZone)
    const toMs = localMidnight(nextDay(to), timeZone)
    if (toMs - fromMs > MAX_RANGE_DAYS * 86_400_000)
      throw new RangeError(`a range is at most ${MAX_RANGE_DAYS} days`)
    return { kind: 'range', label: `${from}..${to}`, fromMs, toMs }
  }
  const code = q.period ?? 'quarter'
  let m: RegExpExecArray | null
  if ((m = /^(\d{4})-(\d{2})$/.exec(code)))
    return period('month', checkYear(+m[1]), +m[2], timeZone)
  if ((m = /^(\d{4})-Q(\d)$/.exec(code)))
    return period('quarter', checkYear(+m[1]), +m[2], timeZone)
  if ((m = /^(\d{4})-H(\d)$/.exec(code))) return period('half', checkYear(+m[1]), +m[2], timeZone)
  if ((m = /^(\d{4})-9M$/.exec(code))) return period('nine-months', checkYear(+m[1]), 1, timeZone)
  if ((m = /^(\d{4})$/.exec(code))) return period('year', checkYear(+m[1]), 1, timeZone)
  const kind = code as PeriodKind
  if (!KINDS.includes(kind))
    throw new RangeError(
      `period must be one of ${KINDS.join(', ')}, a code such as 2026-Q2, or from and to`,
    )
  const year = checkYear(Number(q.year))
  return period(kind, year, kind === 'nine-months' || kind === 'year' ? 1 : Number(q.n), timeZone)
}
