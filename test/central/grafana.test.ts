/**
 * The province's Grafana dashboard (docs/grafana/chamdiem-province-postgres.json): every
 * panel's SQL runs on the real central store as a reader, with Grafana's macros expanded the
 * way its PostgreSQL data source does, and shows names, not ids.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { startCentralDb } from './central-db.ts'

interface Panel {
  title: string
  targets: Array<{ rawSql: string; format: string }>
}
const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/chamdiem-province-postgres.json', import.meta.url), 'utf8')) as {
  panels: Panel[]
  templating: { list: Array<{ name: string; query: string }> }
}

/** Grafana's macros for PostgreSQL, expanded for 2026. */
function expand(sql: string, centres: string[]): string {
  return sql
    .replace(/\$__timeGroupAlias\(([^,]+), '1d'\)/g, "date_trunc('day', $1) AS time")
    .replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN '2026-01-01T00:00:00Z' AND '2027-01-01T00:00:00Z'")
    .replace(/\$centre/g, centres.map((c) => `'${c}'`).join(','))
}

describe('province Grafana dashboard', () => {
  it('every panel query runs as a reader and names centres, officers and counters', async () => {
    const db = await startCentralDb()
    const x = await db.addCentre('x', 'Phường X')
    const c = new pg.Client({ connectionString: x })
    await c.connect()
    await c.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ('x', 'an', 'o', 'Nguyễn Văn An', true)")
    await c.query("INSERT INTO chamdiem.counters (centre_id, id, office_id, name) VALUES ('x', 'q1', 'o', 'Quầy 1')")
    await c.query(`INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
      SELECT 'x', 'b1', 'boot', s, CASE s % 8 WHEN 0 THEN 'negative' WHEN 4 THEN 'very-negative' WHEN 2 THEN 'fair' WHEN 6 THEN 'neutral' ELSE 'positive' END, false, false, 1781000000000 + s, 0, 1781000000000 + s * 60000, 'o', 'q1', 'an', s
      FROM generate_series(1, 40) s`)
    await c.end()
    const reader = new pg.Client({ connectionString: await db.addReader('grafana_reader') })
    await reader.connect()
    try {
      const centres = await reader.query(dashboard.templating.list.find((v) => v.name === 'centre')!.query)
      expect(centres.rows).toEqual([{ __text: 'Phường X', __value: 'x' }])
      const results = new Map<string, unknown[]>()
      for (const p of dashboard.panels) results.set(p.title, (await reader.query(expand(p.targets[0].rawSql, ['x']))).rows)
      // A centre on five levels: 20 rất hài lòng, 5 hài lòng, 5 bình thường, 5 không hài lòng,
      // 5 rất không hài lòng. Satisfied = the first two (25 of 40); a frown = the last two.
      expect(results.get('Satisfaction per centre (% rất hài lòng + hài lòng, daily)')).toEqual([{ time: expect.any(Date), metric: 'Phường X', value: '62.5' }])
      expect(results.get('Officers (one person per province staff code)')).toMatchObject([
        { Officer: 'Nguyễn Văn An', Centre: 'Phường X', 'Rất hài lòng': '20', 'Hài lòng': '5', 'Bình thường': '5', 'Không hài lòng': '5', 'Rất không hài lòng': '5', Total: '40', 'Satisfaction %': '62.5' },
      ])
      expect(results.get('Frowns per counter')).toEqual([{ Counter: 'Phường X — Quầy 1', 'Không hài lòng': '10' }])
    } finally {
      await reader.end()
    }
  })
})
