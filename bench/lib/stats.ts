/**
 * Order statistics for benchmark samples: percentiles of latencies, median and spread of
 * repeated runs. Results are numbers, never asserted: goals are printed, not enforced.
 */

/** Percentile by nearest rank on a sorted copy; `p` in [0, 100]. NaN for no samples. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values as ArrayLike<number>).sort()
  return percentileSorted(sorted, p)
}

export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

/** Median and min–max of repeated runs (NaN samples, i.e. failed runs, are left out). */
export function spread(samples: number[]): Spread {
  const ok = samples.filter((v) => Number.isFinite(v))
  if (ok.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const sorted = [...ok].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length }
}

/** Latency summary in milliseconds from microsecond samples. */
export function latencySummary(samplesUs: ArrayLike<number>): { p50: number; p99: number; max: number; n: number } {
  const sorted = Float64Array.from(samplesUs as ArrayLike<number>).sort()
  return {
    p50: percentileSorted(sorted, 50) / 1000,
    p99: percentileSorted(sorted, 99) / 1000,
    max: sorted.length ? sorted[sorted.length - 1] / 1000 : Number.NaN,
    n: sorted.length,
  }
}
