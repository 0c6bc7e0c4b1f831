/**
 * The figures an office reports. Satisfaction rate = (positive + neutral) / total, the share
 * of "rất hài lòng" + "hài lòng" that Decision 766/QĐ-TTg and provincial reports use. Index =
 * 100 / 50 / 0 points per rating, averaged. The Wilson 95% interval of the satisfaction rate
 * keeps an officer with 4 votes from outranking one with 400: rank by its lower bound.
 */

export interface RatingCounts {
  positive: number
  neutral: number
  negative: number
}

export interface Figures extends RatingCounts {
  total: number
  /** 0..1, null when there are no ratings. */
  satisfaction: number | null
  /** 0..100, null when there are no ratings. */
  index: number | null
  wilsonLow: number | null
  wilsonHigh: number | null
  /** Fewer ratings than `MIN_RATINGS`: shown, but not ranked with the others. */
  tooFew: boolean
}

/** Below this many ratings a rate is shown as "too few ratings" rather than ranked. */
export const MIN_RATINGS = 10

const Z95 = 1.959963984540054

export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null
  const p = successes / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) }
}

export function figures(c: RatingCounts, minRatings = MIN_RATINGS): Figures {
  const total = c.positive + c.neutral + c.negative
  const satisfied = c.positive + c.neutral
  const w = wilsonInterval(satisfied, total)
  return {
    positive: c.positive,
    neutral: c.neutral,
    negative: c.negative,
    total,
    satisfaction: total > 0 ? satisfied / total : null,
    index: total > 0 ? (100 * c.positive + 50 * c.neutral) / total : null,
    wilsonLow: w?.low ?? null,
    wilsonHigh: w?.high ?? null,
    tooFew: total < minRatings,
  }
}

/** Ranks by the Wilson lower bound; rows with too few ratings go last, by total. */
export function rankByLowerBound<T extends Figures>(rows: T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.tooFew !== b.tooFew) return a.tooFew ? 1 : -1
    if (a.tooFew) return b.total - a.total
    return (b.wilsonLow ?? 0) - (a.wilsonLow ?? 0) || b.total - a.total
  })
}
