/**
 * The frowns condition (gateway/alerts/conditions.ts) on a real SQLite file: per counter over
 * the window, and the officer it names is the one most of the frowns were attributed to (a
 * shift changed inside the window), the latest frown deciding a tie; a counter without
 * enough ratings, or without frowns enough, raises nothing.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { frowns } from '../../gateway/alerts/conditions.ts'
import type { AlertRules } from '../../gateway/alerts/rules.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { tempDir } from '../helpers/tmp.ts'

const NOW = Date.UTC(2026, 4, 20, 3, 0, 0)
const RULES = { frownWindowMin: 60, frownMinCount: 10, frownShare: 0.3 } as AlertRules

function store(presses: Array<[counter: string, officer: string | null, rating: string, minutesAgo: number, repeat?: boolean]>) {
  const db = openDatabase(join(tempDir('chamdiem-frowns-'), 'chamdiem.db'))
  const insert = db.prepare(
    "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES (?, 'b', ?, ?, ?, ?, 0, ?, 'hcc', ?, ?)",
  )
  presses.forEach(([counter, officer, rating, minutesAgo, repeat], seq) => {
    const at = NOW - minutesAgo * 60_000
    insert.run(`box-${counter}`, seq, rating, repeat ? 1 : 0, at, at, counter, officer)
  })
  return db
}

describe('frowns condition', () => {
  it('names the officer with most frowns at the counter, the latest frown breaking a tie', () => {
    const db = store([
      // q1: 8 frowns of 10 over a shift change: An 3 (earlier), Bình 3 (later), Chi 2.
      ['q1', 'an', 'negative', 50],
      ['q1', 'an', 'negative', 49],
      ['q1', 'an', 'very-negative', 48],
      ['q1', 'an', 'positive', 47],
      ['q1', 'binh', 'negative', 30],
      ['q1', 'binh', 'negative', 20],
      ['q1', 'binh', 'negative', 10],
      ['q1', 'chi', 'negative', 5],
      ['q1', 'chi', 'negative', 4],
      ['q1', 'chi', 'neutral', 3],
      // Outside the window, and a repeat: neither counts.
      ['q1', 'chi', 'negative', 61],
      ['q1', 'chi', 'negative', 2, true],
      // q2: nine ratings, all frowns: not a sample yet.
      ...Array.from({ length: 9 }, (_, i): [string, string, string, number] => ['q2', 'dung', 'negative', i + 1]),
      // q3: 3 frowns of 10 (30 %): not above the share.
      ...Array.from({ length: 10 }, (_, i): [string, string, string, number] => ['q3', 'em', i < 3 ? 'negative' : 'positive', i + 1]),
    ])
    expect(frowns({ db, timezone: 'Asia/Ho_Chi_Minh' }, NOW, RULES)).toEqual([
      { kind: 'frowns', officeId: 'hcc', counterId: 'q1', officerId: 'binh', negative: 8, total: 10, share: 0.8, windowMin: 60 },
    ])
    db.close()
  })

  it('names nobody when the frowns were made with nobody on duty', () => {
    const db = store(Array.from({ length: 10 }, (_, i): [string, null, string, number] => ['q1', null, i < 5 ? 'negative' : 'positive', i + 1]))
    expect(frowns({ db, timezone: 'Asia/Ho_Chi_Minh' }, NOW, RULES)).toMatchObject([{ counterId: 'q1', officerId: null, negative: 5, total: 10 }])
    db.close()
  })
})
