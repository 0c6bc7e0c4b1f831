/**
 * The Grafana dashboards of docs/grafana: every InfluxQL query of the 1.x dashboard runs
 * against a real InfluxDB 1.6.7 holding forwarded presses (with Grafana's macros filled in as
 * Grafana does for "All" and a 30-day range) and answers what the presses table says. The
 * presses are at all five levels, so the panels are checked for every scale: satisfied means
 * positive or neutral (Rất hài lòng, Hài lòng) on the three, four and five levels alike, and a
 * frown is negative or very-negative.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'
import type { Db } from '../../gateway/store/database.ts'
import { LEVEL_IDS } from '../../protocol/index.ts'
import { PressFactory } from './fixtures/presses.ts'
import { influxConfig, startForwarder, tempDb } from './fixtures/setup.ts'

interface Target {
  refId: string
  query?: string
  expression?: string
  hide?: boolean
}
interface Dashboard {
  uid: string
  panels: Array<{ title: string; targets: Target[] }>
  templating: { list: Array<{ name: string; type: string; query: string }> }
}

const load = (file: string) => JSON.parse(readFileSync(new URL(`../../docs/grafana/${file}`, import.meta.url), 'utf8')) as Dashboard
const influxql = load('chamdiem-influxql.json')
const flux = load('chamdiem-flux.json')

/** What Grafana sends for "All" on every variable and a 30-day range. */
function expand(query: string): string {
  return query
    .replaceAll('$timeFilter', 'time >= now() - 30d')
    .replaceAll('$__interval', '1h')
    .replace(/\$(office|counter|officer)\b/g, '.*')
}

function panel(title: string) {
  const p = influxql.panels.find((x) => x.title === title)
  if (!p) throw new Error(`no panel "${title}"`)
  return p
}

let influx: InfluxDb1Server
let db: Db
/** Counted presses (repeats left out), as the gateway's reports count them. */
let counted: Array<{ rating: string; officer: string; counter: string }>

beforeAll(async () => {
  influx = await startInfluxDb1({ database: 'chamdiem' })
})

async function run(query: string) {
  return influx.query(expand(query))
}

describe('Grafana dashboard (InfluxQL, InfluxDB 1.x)', () => {
  it('answers every panel with the counts of the presses table', async () => {
    ;({ db } = tempDb())
    const presses = new PressFactory(db, { seed: 71, startMs: Date.now() - 5 * 24 * 3600 * 1000, levels: LEVEL_IDS })
    for (let day = 0; day < 4; day++) {
      presses.insert(400)
      presses.advance(24 * 3600 * 1000)
    }
    await startForwarder({ db, config: influxConfig({ api: 'v1', url: influx.url, database: 'chamdiem' }) }).drained()
    counted = (
      db.prepare('SELECT rating, officer_id, counter_id FROM presses WHERE repeat = 0').all() as Array<{ rating: string; officer_id: string | null; counter_id: string | null }>
    ).map((r) => ({ rating: r.rating, officer: r.officer_id ?? 'unattributed', counter: r.counter_id ?? 'unassigned' }))
    const countBy = <K extends string>(key: (p: (typeof counted)[number]) => K) => {
      const m = new Map<K, number>()
      for (const p of counted) m.set(key(p), (m.get(key(p)) ?? 0) + 1)
      return m
    }

    // Every query parses and runs.
    for (const p of influxql.panels) {
      for (const t of p.targets.filter((t) => t.query)) await expect(run(t.query!), `${p.title} ${t.refId}`).resolves.toBeDefined()
    }

    const total = await run(panel('Presses').targets[0].query!)
    expect(Number(total[0].count)).toBe(counted.length)

    const frown = (rating: string) => rating === 'negative' || rating === 'very-negative'
    expect(new Set(counted.map((p) => p.rating))).toEqual(new Set(LEVEL_IDS))
    const frowns = await run(panel('Frowns').targets[0].query!)
    expect(Number(frowns[0].count)).toBe(counted.filter((p) => frown(p.rating)).length)

    const [a, b] = panel('Satisfaction rate').targets
    expect(panel('Satisfaction rate').targets[2].expression).toBe('$A / $B * 100')
    const rate = (Number((await run(a.query!))[0].count) / Number((await run(b.query!))[0].count)) * 100
    expect(rate).toBeCloseTo((counted.filter((p) => p.rating === 'positive' || p.rating === 'neutral').length / counted.length) * 100, 9)

    const perDay = await run(panel('Presses per officer per day').targets[0].query!)
    const perOfficer = new Map<string, number>()
    for (const r of perDay) {
      const officer = /officer=((?:\\.|[^,])*)/.exec(r.tags)![1].replace(/\\(.)/g, '$1')
      perOfficer.set(officer, (perOfficer.get(officer) ?? 0) + Number(r.count))
      // Days start at midnight in Vietnam (UTC+7): 17:00 UTC.
      expect(new Date(Number(BigInt(r.time) / 1_000_000n)).getUTCHours()).toBe(17)
    }
    expect(Object.fromEntries(perOfficer)).toEqual(Object.fromEntries(countBy((p) => p.officer)))

    const frownTotals = await run(panel('Frowns per counter (range total)').targets[0].query!)
    const frownsByCounter = countBy((p) => (frown(p.rating) ? p.counter : 'x'))
    frownsByCounter.delete('x')
    expect(Object.fromEntries(frownTotals.map((r) => [/counter=(.*)/.exec(r.tags)![1].replace(/\\(.)/g, '$1'), Number(r.frowns)]))).toEqual(
      Object.fromEntries(frownsByCounter),
    )

    const table = await run(panel('Ratings per officer (range)').targets[0].query!)
    expect(table.reduce((n, r) => n + Number(r.presses), 0)).toBe(counted.length)

    // The variables list the tag values.
    for (const v of influxql.templating.list.filter((x) => x.type === 'query')) {
      const values = (await run(v.query)).map((r) => r.value)
      expect(values.length, v.name).toBeGreaterThan(0)
    }
  })
})

describe('Grafana dashboard (Flux)', () => {
  it('has the same panels and queries measurement press without repeats', () => {
    expect(flux.panels.map((p) => p.title)).toEqual(influxql.panels.map((p) => p.title).filter((t) => t !== 'Ratings per officer (range)'))
    for (const p of flux.panels) {
      for (const t of p.targets) {
        expect(t.query).toContain('r._measurement == "press"')
        expect(t.query).toContain('r.repeat == "false"')
      }
    }
  })

  it.skip('runs against a Flux engine (needs InfluxDB 2.x, which Debian does not ship)', () => {})
})
