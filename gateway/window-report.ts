/**
 * The rating-window report (issue 13 item 4) over a period: response rate (windows rated /
 * windows opened) per officer and per counter, ratings per case reference, presses made
 * outside any window, and signals of tampering as alert-like entries:
 *  - `noWindowPresses`: many presses outside any window at a counter that does use windows
 *    (someone pressing for the citizen, or a box pressed by passers-by);
 *  - `unratedRun`: windows opened and never rated, many in a row at one counter (a prompt
 *    hidden from citizens, or windows opened to inflate "served");
 *  - `ratingBurst`: one rating many times in quick succession at a counter;
 *  - `outsideShift`: presses at a counter when no officer was on duty (no shift, no sign-in).
 * A window is rated when a counted press carries its id (presses.window_id, repeat = 0).
 */
import type { Rating } from '../protocol/index.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

export interface SignalLimits {
  /** No-window presses at a counter with windows: at least this many, and this share of its presses. */
  noWindow: { min: number; share: number }
  /** Windows in a row, at one counter, never rated. */
  unratedRun: number
  /** The same rating this many times in a row at one counter, each within `gapMs` of the one before. */
  burst: { presses: number; gapMs: number }
  /** Presses at a counter with nobody on duty. */
  outsideShift: number
}

/** The defaults; the alert rules (alerts/rules.ts) carry a deployment's own. */
export const SIGNAL_LIMITS: SignalLimits = {
  noWindow: { min: 5, share: 0.3 },
  unratedRun: 5,
  burst: { presses: 5, gapMs: 30_000 },
  outsideShift: 1,
}

export interface WindowReportQuery {
  fromMs: number
  toMs: number
  officeId?: string | null
  /** Thresholds of the signals (SIGNAL_LIMITS when not given). */
  limits?: SignalLimits
}

export interface ResponseRow {
  id: string
  opened: number
  rated: number
  /** rated / opened, or null when none was opened. */
  responseRate: number | null
}

/** Each names the officer most of its presses or windows were credited to (null: nobody on duty). */
export type WindowSignal =
  | { kind: 'noWindowPresses'; counterId: string; officerId: string | null; presses: number; share: number }
  | { kind: 'unratedRun'; counterId: string; officerId: string | null; windows: number; from: number; to: number }
  | { kind: 'ratingBurst'; counterId: string; officerId: string | null; rating: Rating; presses: number; from: number; to: number }
  | { kind: 'outsideShift'; counterId: string; officerId: null; presses: number }

export interface WindowReport {
  fromMs: number
  toMs: number
  officeId: string | null
  totals: { opened: number; rated: number; open: number; responseRate: number | null; noWindowPresses: number }
  byOfficer: ResponseRow[]
  byCounter: ResponseRow[]
  byReference: Array<{ reference: string; windows: number; rated: number; ratings: Partial<Record<Rating, number>> }>
  noWindow: Array<{ counterId: string; presses: number; counted: number }>
  signals: WindowSignal[]
}

interface WindowRow {
  id: string
  counterId: string
  officerId: string | null
  reference: string | null
  openedAt: number
  closedAt: number | null
  rated: number
  rating: Rating | null
}

const rate = (rated: number, opened: number) => (opened === 0 ? null : rated / opened)

/** The officer credited most often (the latest of equals); null when most had nobody on duty. */
function mostOf(officers: Array<string | null>): string | null {
  const n = new Map<string | null, number>()
  for (const o of officers) n.set(o, (n.get(o) ?? 0) + 1)
  let best: string | null = null
  let most = 0
  for (const [o, k] of n) if (k >= most) [best, most] = [o, k]
  return best
}

export function buildWindowReport(db: Db, q: WindowReportQuery): WindowReport {
  const limits = q.limits ?? SIGNAL_LIMITS
  const params = { from: q.fromMs, to: q.toMs, office: q.officeId ?? null }
  const windows = sql(
    db,
    `SELECT w.id, w.counter_id AS counterId, w.officer_id AS officerId, w.reference, w.opened_at AS openedAt, w.closed_at AS closedAt,
            (p.id IS NOT NULL) AS rated, p.rating
       FROM windows w
       LEFT JOIN presses p ON p.id = (SELECT MIN(id) FROM presses WHERE window_id = w.id AND repeat = 0)
      WHERE w.opened_at >= @from AND w.opened_at < @to AND (@office IS NULL OR w.office_id = @office)
      ORDER BY w.counter_id, w.opened_at, w.id`,
  ).all(params) as WindowRow[]

  const group = (key: (w: WindowRow) => string): ResponseRow[] => {
    const m = new Map<string, ResponseRow>()
    for (const w of windows) {
      const k = key(w)
      const row = m.get(k) ?? { id: k, opened: 0, rated: 0, responseRate: null }
      row.opened++
      row.rated += w.rated
      m.set(k, row)
    }
    return [...m.values()].map((r) => ({ ...r, responseRate: rate(r.rated, r.opened) })).sort((a, b) => a.id.localeCompare(b.id))
  }

  const refs = new Map<string, WindowReport['byReference'][number]>()
  for (const w of windows) {
    if (!w.reference) continue
    const r = refs.get(w.reference) ?? { reference: w.reference, windows: 0, rated: 0, ratings: { positive: 0, neutral: 0, negative: 0 } as Partial<Record<Rating, number>> }
    r.windows++
    if (w.rating) {
      r.rated++
      r.ratings[w.rating] = (r.ratings[w.rating] ?? 0) + 1
    }
    refs.set(w.reference, r)
  }

  const presses = sql(
    db,
    `SELECT counter_id AS counterId, rating, time_ms AS timeMs, repeat, no_window AS noWindow, officer_id AS officerId
       FROM presses
      WHERE time_ms >= @from AND time_ms < @to AND counter_id IS NOT NULL AND burst = 0 AND (@office IS NULL OR office_id = @office)
      ORDER BY counter_id, time_ms, id`,
  ).all(params) as Array<{ counterId: string; rating: Rating; timeMs: number; repeat: number; noWindow: number; officerId: string | null }>

  const noWindow = new Map<string, { counterId: string; presses: number; counted: number; all: number; officers: Array<string | null> }>()
  for (const p of presses) {
    const n = noWindow.get(p.counterId) ?? { counterId: p.counterId, presses: 0, counted: 0, all: 0, officers: [] }
    n.all++
    if (p.noWindow) {
      n.presses++
      n.officers.push(p.officerId)
      if (!p.repeat) n.counted++
    }
    noWindow.set(p.counterId, n)
  }

  const signals: WindowSignal[] = []
  const countersWithWindows = new Set(windows.map((w) => w.counterId))
  for (const n of noWindow.values()) {
    const share = n.presses / n.all
    if (countersWithWindows.has(n.counterId) && n.presses >= limits.noWindow.min && share >= limits.noWindow.share) {
      signals.push({ kind: 'noWindowPresses', counterId: n.counterId, officerId: mostOf(n.officers), presses: n.presses, share })
    }
  }
  signals.push(...unratedRuns(windows, limits), ...ratingBursts(presses.filter((p) => !p.repeat), limits))
  const outside = new Map<string, number>()
  for (const p of presses) if (!p.repeat && p.officerId === null) outside.set(p.counterId, (outside.get(p.counterId) ?? 0) + 1)
  for (const [counterId, n] of outside) if (n >= limits.outsideShift) signals.push({ kind: 'outsideShift', counterId, officerId: null, presses: n })

  const rated = windows.filter((w) => w.rated).length
  const noWindowRows = [...noWindow.values()].filter((n) => n.presses > 0).map(({ counterId, presses: p, counted }) => ({ counterId, presses: p, counted }))
  return {
    fromMs: q.fromMs,
    toMs: q.toMs,
    officeId: q.officeId ?? null,
    totals: {
      opened: windows.length,
      rated,
      open: windows.filter((w) => w.closedAt === null).length,
      responseRate: rate(rated, windows.length),
      noWindowPresses: noWindowRows.reduce((s, n) => s + n.presses, 0),
    },
    byOfficer: group((w) => w.officerId ?? 'unattributed'),
    byCounter: group((w) => w.counterId),
    byReference: [...refs.values()].sort((a, b) => a.reference.localeCompare(b.reference)),
    noWindow: noWindowRows,
    signals,
  }
}

/** Runs of closed windows never rated, per counter (windows are sorted by counter, then time). */
function unratedRuns(windows: WindowRow[], limits: SignalLimits): WindowSignal[] {
  const out: WindowSignal[] = []
  let run: WindowRow[] = []
  const end = () => {
    if (run.length >= limits.unratedRun) {
      out.push({ kind: 'unratedRun', counterId: run[0].counterId, officerId: mostOf(run.map((w) => w.officerId)), windows: run.length, from: run[0].openedAt, to: run[run.length - 1].openedAt })
    }
    run = []
  }
  for (const w of windows) {
    if (run.length > 0 && run[0].counterId !== w.counterId) end()
    if (w.rated || w.closedAt === null) end()
    else run.push(w)
  }
  end()
  return out
}

/** The same rating again and again at one counter, each soon after the one before. */
function ratingBursts(presses: Array<{ counterId: string; rating: Rating; timeMs: number; officerId: string | null }>, limits: SignalLimits): WindowSignal[] {
  const out: WindowSignal[] = []
  let run: typeof presses = []
  const end = () => {
    if (run.length >= limits.burst.presses) {
      const officerId = mostOf(run.map((p) => p.officerId))
      out.push({ kind: 'ratingBurst', counterId: run[0].counterId, officerId, rating: run[0].rating, presses: run.length, from: run[0].timeMs, to: run[run.length - 1].timeMs })
    }
    run = []
  }
  for (const p of presses) {
    const last = run[run.length - 1]
    if (last && (last.counterId !== p.counterId || last.rating !== p.rating || p.timeMs - last.timeMs > limits.burst.gapMs)) end()
    run.push(p)
  }
  end()
  return out
}
