/**
 * A synthetic backlog of presses, the same for the forwarder run and the raw-ingest baseline:
 * 2,000 boxes over 20 counters (an officer on each), ratings in turn, one press every ~170 ms
 * of a day, so the points form the series and time spread a real office would have.
 */
import type { Rating } from '../../protocol/index.ts'

export type BacklogRow = [boxId: string, seq: number, rating: Rating, timeMs: number, officeId: string, counterId: string, officerId: string]

const RATINGS: Rating[] = ['positive', 'neutral', 'negative']
const START = Date.UTC(2026, 0, 5, 1, 0, 0)

export function* backlogRows(n: number): Generator<BacklogRow> {
  const step = (86_400_000 / Math.max(1, n)) * 1
  for (let i = 0; i < n; i++) {
    const box = i % 2000
    const counter = box % 20
    yield [`bench-${String(box).padStart(5, '0')}`, Math.floor(i / 2000) + 1, RATINGS[i % 3], Math.floor(START + i * step), 'bench-office', `q${counter + 1}`, `officer-${counter + 1}`]
  }
}
