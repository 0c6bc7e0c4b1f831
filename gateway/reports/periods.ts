/**
 * Reporting periods as offices name them: a month, a quarter, 6 months (first or second half),
 * 9 months (January to September, "báo cáo 9 tháng") and a year, or any range of days. A
 * period is a pair of local calendar dates, both inclusive (`from 2026-11-28 to 2026-11-28` is
 * one day), turned into epoch milliseconds at local midnight of the office's time zone only
 * when a query runs (local-time.ts), so a press at 23:59 on the last day belongs to it.
 *
 * Codes, the same in the CLI, the API and the dashboard: `2026-11` (month), `2026-Q4`,
 * `2026-H1` / `2026-H2` (6 months), `2026-9M`, `2026` (year).
 */
import { localMidnight } from '../local-time.ts'

export type PeriodKind = 'month' | 'quarter' | 'half' | 'nine-months' | 'year' | 'range'

export interface Period {
  kind: PeriodKind
  /** First local date, YYYY-MM-DD. */
  from: string
  /** Last local date, inclusive. */
  to: string
  /** The period's code (`2026-Q4`) or, for a range, `from..to`. */
  code: string
  /** How a Vietnamese report names it: "Quý IV năm 2026". */
  label: string
}

/** A mistake in a period the user gave: the HTTP error handler answers it with 400. */
export class PeriodError extends Error {
  readonly statusCode = 400
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const ROMAN = ['I', 'II', 'III', 'IV']
const MAX_DAYS = 3700

/** Reads a period code; a code that names no period throws PeriodError saying what is accepted. */
export function parsePeriod(code: string): Period {
  const text = code.trim().toUpperCase()
  let m: RegExpMatchArray | null
  let from: string | undefined
  let months = 0
  if ((m = /^(\d{4})$/.exec(text))) [from, months] = [`${m[1]}-01-01`, 12]
  else if ((m = /^(\d{4})-(\d{2})$/.exec(text)) && +m[2] >= 1 && +m[2] <= 12) [from, months] = [`${m[1]}-${m[2]}-01`, 1]
  else if ((m = /^(\d{4})-Q([1-4])$/.exec(text))) [from, months] = [`${m[1]}-${pad(+m[2] * 3 - 2)}-01`, 3]
  else if ((m = /^(\d{4})-H([12])$/.exec(text))) [from, months] = [`${m[1]}-${m[2] === '1' ? '01' : '07'}-01`, 6]
  else if ((m = /^(\d{4})-9M$/.exec(text))) [from, months] = [`${m[1]}-01-01`, 9]
  if (!from) {
    throw new PeriodError(
      `cannot read period ${JSON.stringify(code)}: expected a year (2026), a month (2026-11), a quarter (2026-Q4), 6 months (2026-H1, 2026-H2) or 9 months (2026-9M)`,
    )
  }
  return rangePeriod(from, addDays(addMonths(from, months), -1))
}

/** Any range of days, both ends inclusive; named as a standard period when it is one. */
export function rangePeriod(from: string, to: string): Period {
  checkDate('from', from)
  checkDate('to', to)
  if (from > to) throw new PeriodError(`"from" (${from}) is after "to" (${to}); both dates are inclusive`)
  if (daysBetween(from, to) + 1 > MAX_DAYS) throw new PeriodError('period longer than ten years')
  return classify(from, to)
}

/** The period of the same length just before: the previous month, quarter, half, 9 months, year or range of days. */
export function previousPeriod(p: Period): Period {
  const months = monthSpan(p)
  if (months) return classify(addMonths(p.from, -months), addDays(p.from, -1))
  const days = daysBetween(p.from, p.to) + 1
  return classify(addDays(p.from, -days), addDays(p.from, -1))
}

/** The same period a year before (29 February becomes the 28th). */
export function yearBefore(p: Period): Period {
  if (monthSpan(p)) return classify(addMonths(p.from, -12), addDays(addMonths(addDays(p.to, 1), -12), -1))
  return classify(sameDayYearBefore(p.from), sameDayYearBefore(p.to))
}

/** The sub-periods a trend is drawn over: days for periods up to 62 days, else months (clipped to the period). */
export function subPeriods(p: Period): Array<{ from: string; to: string; step: 'day' | 'month' }> {
  const out: Array<{ from: string; to: string; step: 'day' | 'month' }> = []
  if (daysBetween(p.from, p.to) < 62) {
    for (let d = p.from; d <= p.to; d = addDays(d, 1)) out.push({ from: d, to: d, step: 'day' })
    return out
  }
  for (let d = p.from; d <= p.to; ) {
    const monthEnd = addDays(addMonths(d.slice(0, 8) + '01', 1), -1)
    const to = monthEnd < p.to ? monthEnd : p.to
    out.push({ from: d, to, step: 'month' })
    d = addDays(to, 1)
  }
  return out
}

/** Epoch ms of the period in the office's time zone: [local midnight of `from`, local midnight after `to`). */
export function periodMs(p: { from: string; to: string }, timezone: string): { fromMs: number; toMs: number } {
  return { fromMs: localMidnight(p.from, timezone), toMs: localMidnight(addDays(p.to, 1), timezone) }
}

/** 28/11/2026, as Vietnamese documents write dates. */
export function viDate(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

/** The same day `n` months later; only called on the 1st of a month. */
function addMonths(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1 + n, d)).toISOString().slice(0, 10)
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000)
}

function sameDayYearBefore(date: string): string {
  const y = Number(date.slice(0, 4)) - 1
  const md = date.slice(5)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return `${y}-${md === '02-29' && !leap ? '02-28' : md}`
}

/** Whole months from the 1st of a month to the last day of a month: their number, else 0. */
function monthSpan(p: { from: string; to: string }): number {
  const next = addDays(p.to, 1)
  if (p.from.slice(8) !== '01' || next.slice(8) !== '01') return 0
  return (Number(next.slice(0, 4)) - Number(p.from.slice(0, 4))) * 12 + Number(next.slice(5, 7)) - Number(p.from.slice(5, 7))
}

function classify(from: string, to: string): Period {
  const months = monthSpan({ from, to })
  const y = from.slice(0, 4)
  const mo = Number(from.slice(5, 7))
  const named = (kind: PeriodKind, code: string, label: string): Period => ({ kind, from, to, code, label })
  if (months === 1) return named('month', from.slice(0, 7), `Tháng ${mo} năm ${y}`)
  if (months === 3 && mo % 3 === 1) return named('quarter', `${y}-Q${(mo + 2) / 3}`, `Quý ${ROMAN[(mo - 1) / 3]} năm ${y}`)
  if (months === 6 && (mo === 1 || mo === 7)) return named('half', `${y}-H${mo === 1 ? 1 : 2}`, `6 tháng ${mo === 1 ? 'đầu' : 'cuối'} năm ${y}`)
  if (months === 9 && mo === 1) return named('nine-months', `${y}-9M`, `9 tháng năm ${y}`)
  if (months === 12 && mo === 1) return named('year', y, `Năm ${y}`)
  const label = from === to ? `Ngày ${viDate(from)}` : `Từ ngày ${viDate(from)} đến ngày ${viDate(to)}`
  return named('range', `${from}..${to}`, label)
}

/** A calendar date reports can cover: it exists (no 30 February) and lies in 2000-2099. */
function checkDate(name: string, date: string): void {
  if (!DATE.test(date)) throw new PeriodError(`"${name}": ${JSON.stringify(date)} is not a date YYYY-MM-DD`)
  const [y, m, d] = date.split('-').map(Number)
  const real = new Date(Date.UTC(y, m - 1, d))
  if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) {
    throw new PeriodError(`"${name}": ${date} is not a calendar date`)
  }
  if (y < 2000 || y > 2099) throw new PeriodError(`"${name}": ${date} is outside the dates reports cover (2000-01-01 to 2099-12-31)`)
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}
