/**
 * What the simulator sent, in the shape of the gateway's report: counted presses per box and
 * rating (repeats apart, as reports leave them out), plus the fault bookkeeping (garbage that
 * must show up as rejected, duplicates and resends that must not show up at all).
 */
import { LEVEL_IDS, RATINGS, type Rating } from '../protocol/index.ts'
import type { VirtualBox } from './virtual-box.ts'

export type RatingCounts = Record<Rating, number> & { total: number }

export interface BoxSummary {
  counted: RatingCounts
  repeats: RatingCounts
  presses: number
  acked: number
  queued: number
  garbage: number
  garbageAcked: number
  duplicates: number
  late: number
  resends: number
  overflowed: number
}

export interface Totals extends BoxSummary {
  boxes: number
  connected: number
  transmissions: number
  connects: number
  disconnects: number
}

export interface SimSummary {
  totals: Totals
  boxes: Record<string, BoxSummary>
}

export function ratingCounts(from?: Partial<Record<Rating, number>>): RatingCounts {
  const c = { total: 0 } as RatingCounts
  for (const r of LEVEL_IDS) c.total += c[r] = from?.[r] ?? 0
  return c
}

function add(into: RatingCounts, from: RatingCounts): void {
  for (const r of LEVEL_IDS) into[r] += from[r]
  into.total += from.total
}

export function summarize(boxes: Iterable<VirtualBox>): SimSummary {
  const totals: Totals = {
    counted: ratingCounts(),
    repeats: ratingCounts(),
    presses: 0,
    acked: 0,
    queued: 0,
    garbage: 0,
    garbageAcked: 0,
    duplicates: 0,
    late: 0,
    resends: 0,
    overflowed: 0,
    boxes: 0,
    connected: 0,
    transmissions: 0,
    connects: 0,
    disconnects: 0,
  }
  const out: Record<string, BoxSummary> = {}
  for (const box of boxes) {
    const s = box.stats
    const b: BoxSummary = {
      counted: ratingCounts(box.tally.counted),
      repeats: ratingCounts(box.tally.repeats),
      presses: s.presses,
      acked: s.acked,
      queued: s.queued,
      garbage: s.garbage,
      garbageAcked: s.garbageAcked,
      duplicates: s.duplicates,
      late: s.late,
      resends: s.resends,
      overflowed: s.overflowed,
    }
    out[box.boxId] = b
    add(totals.counted, b.counted)
    add(totals.repeats, b.repeats)
    for (const k of [
      'presses',
      'acked',
      'queued',
      'garbage',
      'garbageAcked',
      'duplicates',
      'late',
      'resends',
      'overflowed',
    ] as const) {
      totals[k] += b[k]
    }
    totals.boxes++
    if (box.isConnected) totals.connected++
    totals.transmissions += s.transmissions
    totals.connects += s.connects
    totals.disconnects += s.disconnects
  }
  return { totals, boxes: out }
}

export interface GroupCounts {
  counted: RatingCounts
  repeats: RatingCounts
}

/**
 * Adds the boxes up by a key (counter, or officer when the caller knows who was on duty at
 * each box). Boxes whose key is null are grouped under `null` in the result's `unattributed`.
 */
export function groupBy(
  summary: SimSummary,
  keyOf: (boxId: string) => string | null,
): Record<string, GroupCounts> {
  const groups: Record<string, GroupCounts> = {}
  for (const [boxId, b] of Object.entries(summary.boxes)) {
    const key = keyOf(boxId) ?? 'unattributed'
    const g = (groups[key] ??= { counted: ratingCounts(), repeats: ratingCounts() })
    add(g.counted, b.counted)
    add(g.repeats, b.repeats)
  }
  return groups
}

/** A plain-text table: one line per group (or per box), then the totals and the fault bookkeeping. */
export function formatSummary(
  summary: SimSummary,
  groups?: Record<string, GroupCounts>,
  groupLabel = 'box',
  footer = true,
): string {
  const rows: Array<[string, GroupCounts]> = groups
    ? Object.entries(groups)
    : Object.entries(summary.boxes).map(([id, b]) => [
        id,
        { counted: b.counted, repeats: b.repeats },
      ])
  rows.sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))
  const width = Math.max(groupLabel.length, 5, ...rows.map(([k]) => k.length))
  const num = (n: number) => String(n).padStart(9)
  // The default three levels always; the other two when any box pressed them (4-5 levels).
  const levels = LEVEL_IDS.filter((r) => (RATINGS as readonly string[]).includes(r) || rows.some(([, g]) => g.counted[r] + g.repeats[r] > 0))
  const head = `${groupLabel.padEnd(width)} ${[...levels, 'total', 'repeats'].map((h) => h.padStart(levels.length > 3 ? 14 : 9)).join('')}`
  const cell = (n: number) => (levels.length > 3 ? String(n).padStart(14) : num(n))
  const line = (k: string, g: GroupCounts) => `${k.padEnd(width)} ${levels.map((r) => cell(g.counted[r])).join('')}${cell(g.counted.total)}${cell(g.repeats.total)}`
  const shown = rows.length > 40 ? [...rows.slice(0, 40)] : rows
  const t = summary.totals
  return [
    head,
    ...shown.map(([k, g]) => line(k, g)),
    ...(rows.length > shown.length
      ? [`... ${rows.length - shown.length} more (use --json for all)`]
      : []),
    line('TOTAL', { counted: t.counted, repeats: t.repeats }),
    ...(footer ? ['', ...footerLines(t)] : []),
  ].join('\n')
}

function footerLines(t: Totals): string[] {
  return [
    `presses ${t.presses}, acknowledged ${t.acked}, still queued ${t.queued}` +
      (t.overflowed ? `, dropped from full queues ${t.overflowed}` : ''),
    `garbage sent ${t.garbage} (expect as many rejected), duplicates ${t.duplicates}, late ${t.late}, resends ${t.resends}`,
    `connections ${t.connects}, disconnections ${t.disconnects}`,
  ]
}
