/**
 * Wall-clock arithmetic in the office's time zone (shifts, "today", office hours). Boxes have
 * no clock; everything is computed from the gateway's epoch milliseconds.
 */

export interface LocalTime {
  /** ISO weekday: 1 = Monday .. 7 = Sunday. */
  weekday: number
  /** Minutes since local midnight. */
  minute: number
  /** Local calendar date, YYYY-MM-DD. */
  date: string
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return f
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }

const DAY_MS = 86_400_000
/** Zone offsets change only on quarter-hour boundaries of UTC (every real zone's rules). */
const BUCKET_MS = 15 * 60_000
const offsetCache = new Map<string, Map<number, number>>()

/** Offset of the zone at `ms`, memoised per quarter hour: Intl is slow (~10 µs a call). */
function cachedOffset(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone)
  if (!zone) offsetCache.set(timeZone, (zone = new Map()))
  const bucket = Math.floor(ms / BUCKET_MS)
  let offset = zone.get(bucket)
  if (offset === undefined) {
    offset = zoneOffsetMs(bucket * BUCKET_MS, timeZone)
    if (zone.size > 10_000) zone.clear()
    zone.set(bucket, offset)
  }
  return offset
}

export function localTime(ms: number, timeZone: string): LocalTime {
  const local = ms + cachedOffset(ms, timeZone)
  const days = Math.floor(local / DAY_MS)
  const d = new Date(days * DAY_MS)
  return {
    // 1970-01-01 was a Thursday (ISO weekday 4).
    weekday: ((((days + 3) % 7) + 7) % 7) + 1,
    minute: Math.floor((local - days * DAY_MS) / 60_000),
    date: d.toISOString().slice(0, 10),
  }
}

/** The same, through Intl alone: the reference the fast path is tested against. */
export function localTimeViaIntl(ms: number, timeZone: string): LocalTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]))
  return {
    weekday: WEEKDAYS[parts.weekday],
    minute: Number(parts.hour) * 60 + Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  }
}

/** Offset of the zone from UTC at `ms`, in milliseconds (Vietnam: +7 h, no DST). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]))
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
  return asUtc - (ms - (ms % 1000))
}

/** Epoch ms of local midnight starting the day that contains `ms`. */
export function startOfLocalDay(ms: number, timeZone: string): number {
  const { date } = localTime(ms, timeZone)
  return localMidnight(date, timeZone)
}

/** Epoch ms of local midnight of a YYYY-MM-DD date in the zone. */
export function localMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const guess = Date.UTC(y, m - 1, d)
  // Two passes settle the offset even across a DST change at midnight.
  let t = guess - zoneOffsetMs(guess, timeZone)
  t = guess - zoneOffsetMs(t, timeZone)
  return t
}

export function parseHhMm(text: string): number {
  const [h, m] = text.split(':').map(Number)
  return h * 60 + m
}

export function formatHhMm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}
