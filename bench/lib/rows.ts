/** Builds result rows and goal lines from repeated-run samples. */
import { spread } from './stats.ts'
import type { Goal, Row } from './types.ts'

export function row(suite: string, name: string, unit: string, samples: number[]): Row {
  const s = spread(samples)
  return { suite, name, unit, median: s.median, min: s.min, max: s.max, n: s.n, samples }
}

/** A goal line: `pass` is null when the value could not be measured (the note says why). */
export function goal(
  suite: string,
  text: string,
  measured: number,
  unit: string,
  target: string,
  ok: (v: number) => boolean,
  note?: string,
): Goal {
  const pass = Number.isFinite(measured) ? ok(measured) : null
  return { suite, goal: text, measured, unit, target, pass, ...(note ? { note } : {}) }
}

export const round = (v: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
