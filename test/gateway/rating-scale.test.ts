/**
 * A deployment's rating scale (config ratingScale): five levels end to end (real boxes over
 * MQTT, the report, its CSV and the XLSX read back with exceljs), a press outside the scale
 * refused with its reason while another box keeps being counted, config errors that name the
 * key, and a database whose presses a new scale would drop.
 */
import ExcelJS from 'exceljs'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { pressTopic, type Rating, type RatingScale } from '../../protocol/index.ts'
import { ConfigError, ratingScale, resolveConfig } from '../../gateway/config.ts'
import { buildReport } from '../../gateway/report.ts'
import { HEADER_ROW, SHEET } from '../../gateway/reports/xlsx.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { startTestApp } from '../http/app-helper.ts'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { MIGRATIONS } from '../../gateway/store/migrations.ts'
import { openDatabase } from '../../gateway/store/database.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const pressOf = (seq: number, rating: string) => JSON.stringify({ seq, boot: 'b00t', rating, ageMs: 0 })
const FIVE = ['Rất hài lòng', 'Hài lòng', 'Bình thường', 'Không hài lòng', 'Rất không hài lòng']
const lvl = (id: string, score: number, satisfied: boolean) => ({ id, label: id, score, satisfied })

describe('a five-level rating scale', () => {
  it('boxes press each level over MQTT; the report, CSV and XLSX show five columns and the rate by its definition', async () => {
    const now = localMidnight('2026-11-20', TZ) + 9 * 3600_000
    const t = await startTestApp({ now: () => now, config: { ratingScale: { preset: 5 } } })
    const admin = await t.login('admin')
    await admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    await admin.request('POST', '/api/duty/sign-in', { officer: 'binh', counter: 'q2' })
    const box = (id: string) => mqtt.connectAsync(`mqtt://127.0.0.1:${t.gw.mqttPort}`, { username: id, password: SECRET(id), clientId: id, reconnectPeriod: 0 })
    const b1 = await box('box-1')
    const b2 = await box('box-2')
    try {
      // an (q1): 4 positive, 3 neutral, 2 fair, 1 negative, 1 very-negative = 11.
      const an: Array<[Rating, number]> = [['positive', 4], ['neutral', 3], ['fair', 2], ['negative', 1], ['very-negative', 1]]
      let seq = 0
      for (const [rating, n] of an) for (let i = 0; i < n; i++) await b1.publishAsync(pressTopic('box-1'), pressOf(++seq, rating), { qos: 1 })
      // binh (q2): 1 fair, 2 very-negative.
      await b2.publishAsync(pressTopic('box-2'), pressOf(1, 'fair'), { qos: 1 })
      await b2.publishAsync(pressTopic('box-2'), pressOf(2, 'very-negative'), { qos: 1 })
      await b2.publishAsync(pressTopic('box-2'), pressOf(3, 'very-negative'), { qos: 1 })
    } finally {
      await Promise.all([b1.endAsync(), b2.endAsync()])
    }

    const r = (await admin.request('GET', '/api/reports?from=2026-11-20&to=2026-11-20&by=officer')).json()
    expect(r.scale.map((l: { id: string }) => l.id)).toEqual(['positive', 'neutral', 'fair', 'negative', 'very-negative'])
    expect(r.scale.map((l: { label: string }) => l.label)).toEqual(FIVE)
    expect(r.definition.vi.satisfaction).toBe('Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá')
    const anRow = r.rows.find((x: { key: string }) => x.key === 'an')
    expect(anRow).toMatchObject({ positive: 4, neutral: 3, fair: 2, negative: 1, 'very-negative': 1, total: 11, rank: 1 })
    // Satisfied = the two best levels: (4 + 3) / 11; index = mean of 100/75/50/25/0.
    expect(anRow.satisfaction).toBeCloseTo(7 / 11)
    expect(anRow.index).toBeCloseTo((400 + 225 + 100 + 25) / 11)
    expect(r.rows.find((x: { key: string }) => x.key === 'binh')).toMatchObject({ positive: 0, neutral: 0, fair: 1, negative: 0, 'very-negative': 2, total: 3, satisfaction: 0 })
    expect(r.totals).toMatchObject({ positive: 4, neutral: 3, fair: 3, negative: 1, 'very-negative': 3, total: 14 })
    // The totals reconcile with the presses stored.
    expect(t.db.prepare('SELECT count(*) FROM presses WHERE repeat = 0').pluck().get()).toBe(14)

    const csv = (await admin.request('GET', '/api/reports.csv?from=2026-11-20&to=2026-11-20&by=officer&sep=semicolon')).body.replace(/^\uFEFF/, '').split('\r\n')
    expect(csv[0]).toMatch(/^Hạng;Mã;Họ và tên;Rất hài lòng;Hài lòng;Bình thường;Không hài lòng;Rất không hài lòng;Tổng số;/)
    expect(csv[1]).toMatch(/^1;an;Nguyễn Văn An;4;3;2;1;1;11;0;0;63,6 %;/)
    expect(csv.find((l) => l.startsWith(';Tổng cộng'))).toMatch(/^;Tổng cộng;;4;3;3;1;3;14;0;0;50,0 %;/)
    expect(csv.at(-2)).toMatch(/^"Ghi chú: Tỷ lệ hài lòng = \(Rất hài lòng \+ Hài lòng\) \/ Tổng số đánh giá\. Chỉ số = điểm trung bình mỗi đánh giá \(Rất hài lòng = 100, Hài lòng = 75, Bình thường = 50, Không hài lòng = 25, Rất không hài lòng = 0\)/)

    const res = await admin.request('GET', '/api/reports.xlsx?from=2026-11-20&to=2026-11-20&by=officer')
    expect(res.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    const ws = wb.getWorksheet(SHEET)!
    const row = (n: number, cols = 9) => Array.from({ length: cols }, (_, i) => ws.getCell(n, i + 1).value ?? null)
    expect(row(HEADER_ROW)).toEqual(['STT', 'Họ và tên', ...FIVE, 'Tổng số', 'Tỷ lệ hài lòng'])
    expect(row(HEADER_ROW + 1)).toEqual([1, 'Nguyễn Văn An', 4, 3, 2, 1, 1, 11, 7 / 11])
    expect(row(HEADER_ROW + 2)).toEqual([2, 'Trần Thị Bình', 0, 0, 1, 0, 2, 3, 0])
    expect(row(HEADER_ROW + 3)).toEqual([null, 'Tổng cộng', 4, 3, 3, 1, 3, 14, 0.5])
    const note = String(ws.getCell(HEADER_ROW + 5, 1).value)
    expect(note).toContain('Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá')
  }, 60_000)
})

describe('a press outside the scale', () => {
  it('is refused with its reason and counted as rejected; another box keeps being counted', async () => {
    const t = await startTestGateway({ registry: OFFICE, config: { ratingScale: { preset: 4 }, ingest: { cooldownMs: 0 } } })
    const b1 = await t.connectBox('box-1', SECRET('box-1'))
    const b2 = await t.connectBox('box-2', SECRET('box-2'))
    // Four levels have no "fair" (Bình thường): box-1 is wired for five. Acknowledged (a resend
    // would fail the same way), kept with the reason, and box-2 goes on being counted meanwhile.
    await Promise.all([
      b1.publishAsync(pressTopic('box-1'), pressOf(1, 'fair'), { qos: 1 }),
      b2.publishAsync(pressTopic('box-2'), pressOf(1, 'very-negative'), { qos: 1 }),
    ])
    await b2.publishAsync(pressTopic('box-2'), pressOf(2, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id, reason FROM rejected').all()).toEqual([
      { box_id: 'box-1', reason: 'validate: /rating: must be one of positive, neutral, negative, very-negative, the levels of this gateway\'s rating scale (got "fair")' },
    ])
    expect(t.gw.ingest.stats.rejected).toBe(1)
    // box-1 still works: its next press at a level of the scale counts.
    await b1.publishAsync(pressTopic('box-1'), pressOf(2, 'neutral'), { qos: 1 })
    const r = buildReport(t.gw.db, { fromMs: 0, toMs: Date.now() + 60_000, by: 'counter', scale: ratingScale(t.config) })
    expect(r.rows.map((x) => [x.key, x.positive, x.neutral, x.negative, x['very-negative'], x.total])).toEqual(
      expect.arrayContaining([
        ['q1', 0, 1, 0, 0, 1],
        ['q2', 1, 0, 0, 1, 2],
      ]),
    )
    expect(r.rows[0]).not.toHaveProperty('fair')
  })

  it('the default three levels refuse a five-level id and keep counting as before', async () => {
    const t = await startTestGateway({ registry: OFFICE, config: { ingest: { cooldownMs: 0 } } })
    const b1 = await t.connectBox('box-1', SECRET('box-1'))
    await b1.publishAsync(pressTopic('box-1'), pressOf(1, 'fair'), { qos: 1 })
    await b1.publishAsync(pressTopic('box-1'), pressOf(2, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT reason FROM rejected').pluck().all()).toEqual(['validate: /rating: must be one of positive, neutral, negative, the levels of this gateway\'s rating scale (got "fair")'])
    expect(t.gw.db.prepare('SELECT rating FROM presses').pluck().all()).toEqual(['positive'])
  })
})

describe('config', () => {
  const problems = (ratingScale: unknown): string[] => {
    try {
      resolveConfig({ ratingScale }, 'x', {})
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      return (err as ConfigError).problems
    }
    return []
  }

  it('defaults to the three levels boxes have always sent', () => {
    expect(ratingScale(resolveConfig({}, 'x', {}))).toEqual([
      { id: 'positive', label: 'Rất hài lòng', labelEn: 'Very satisfied', score: 100, satisfied: true },
      { id: 'neutral', label: 'Hài lòng', labelEn: 'Satisfied', score: 50, satisfied: true },
      { id: 'negative', label: 'Không hài lòng', labelEn: 'Not satisfied', score: 0, satisfied: false },
    ])
    expect(ratingScale(resolveConfig({ ratingScale: { preset: 5 } }, 'x', {})).map((l) => l.label)).toEqual(FIVE)
  })

  it('takes levels of its own (stars), and names the key of every mistake', () => {
    const stars = [lvl('positive', 100, true), lvl('neutral', 75, true), lvl('fair', 50, false), lvl('very-negative', 0, false)]
    expect(ratingScale(resolveConfig({ ratingScale: { levels: stars } }, 'x', {})).map((l) => [l.id, l.labelEn])).toEqual([
      ['positive', 'positive'],
      ['neutral', 'neutral'],
      ['fair', 'fair'],
      ['very-negative', 'very-negative'],
    ])
    expect(problems({ levels: [lvl('positive', 100, true), lvl('positive', 50, true), lvl('negative', 0, false)] })).toEqual([
      '/ratingScale/levels/1/id: "positive" is already level 0; each level has its own id',
    ])
    expect(problems({ levels: [lvl('positive', 100, true), lvl('negative', 0, false)] })).toEqual(['/ratingScale/levels: a rating scale has 3, 4 or 5 levels (got 2)'])
    expect(problems({ levels: [lvl('positive', 100, true), lvl('neutral', 50, true), lvl('smile', 0, false)] })).toEqual([
      '/ratingScale/levels/2/id: must be one of positive, neutral, fair, negative, very-negative (got "smile")',
    ])
    expect(problems({ levels: [lvl('negative', 100, true), lvl('neutral', 50, true), lvl('positive', 0, false)] })[0]).toMatch(/^\/ratingScale\/levels: levels go best first/)
    expect(problems({ levels: [lvl('positive', 0, true), lvl('neutral', 50, true), lvl('negative', 0, false)] })).toEqual([
      '/ratingScale/levels/1/score: a worse level cannot score more than a better one (50 > 0)',
    ])
    expect(problems({ preset: 6 })[0]).toMatch(/^\/ratingScale\/preset: /)
  })
})

describe('an existing database', () => {
  it('refuses a scale that would drop a level its presses have, and keeps the history on a scale that keeps it', async () => {
    const dataDir = tempDir('chamdiem-scale-')
    const first = await startTestGateway({ registry: OFFICE, dataDir, config: { ingest: { cooldownMs: 0 } } })
    const b = await first.connectBox('box-1', SECRET('box-1'))
    await b.publishAsync(pressTopic('box-1'), pressOf(1, 'neutral'), { qos: 1 })
    await b.publishAsync(pressTopic('box-1'), pressOf(2, 'positive'), { qos: 1 })
    await first.stop()

    // A scale without "neutral" (Hài lòng): its press would drop out of every count.
    const noNeutral = [lvl('positive', 100, true), lvl('fair', 50, false), lvl('negative', 25, false), lvl('very-negative', 0, false)]
    const err = await startTestGateway({ registry: OFFICE, dataDir, config: { ratingScale: { levels: noNeutral } } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).problems).toEqual([
      '/ratingScale/levels: the database holds 1 presses at level "neutral", which this scale (positive, fair, negative, very-negative) does not have; they would drop out of every count. Keep the level in the scale, or use a new data directory for the new scale',
    ])

    // Five levels keep every id: the old presses are still there and still counted.
    const five = await startTestGateway({ registry: OFFICE, dataDir, config: { ratingScale: { preset: 5 } } })
    const r = buildReport(five.gw.db, { fromMs: 0, toMs: Date.now() + 60_000, by: 'counter', scale: ratingScale(five.config) })
    expect(r.totals).toMatchObject({ positive: 1, neutral: 1, fair: 0, total: 2 })
    // ... and under the labels they had: the press at "Rất hài lòng" on three levels is still
    // "Rất hài lòng" on five (and "Hài lòng" still "Hài lòng"), so no stored press is relabelled.
    const byLabel = Object.fromEntries(r.scale.map((l) => [l.label, r.totals[l.id]]))
    expect(byLabel).toEqual({ 'Rất hài lòng': 1, 'Hài lòng': 1, 'Bình thường': 0, 'Không hài lòng': 0, 'Rất không hài lòng': 0 })
    const label = (scale: RatingScale, id: string) => scale.find((l) => l.id === id)?.label
    for (const id of ['positive', 'neutral', 'negative']) expect(label(ratingScale(five.config), id)).toBe(label(ratingScale(first.config), id))
  })
})

describe('the migration that opens presses to five levels', () => {
  it('keeps every row, its id and the id counter of a database from before', () => {
    const file = join(tempDir('chamdiem-mig-'), 'chamdiem.db')
    const before = new Database(file)
    // The database as the previous release left it: every migration up to this one.
    const at = MIGRATIONS.findIndex((m) => m.name === 'presses at any level of a four- or five-level rating scale')
    expect(at).toBeGreaterThan(0)
    for (const m of MIGRATIONS.slice(0, at)) before.exec(m.sql)
    before.pragma(`user_version = ${MIGRATIONS[at - 1].version}`)
    const ins = before.prepare("INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('box-1', 'b', ?, ?, ?, 1, 0, 1, 'hcc', 'q1', 'an')")
    for (const [i, r] of ['positive', 'neutral', 'negative', 'positive'].entries()) ins.run(i + 1, r, i === 3 ? 1 : 0)
    before.exec("DELETE FROM presses WHERE seq = 4") // the newest press deleted: its id is never reused
    expect(() => ins.run(9, 'fair', 0)).toThrow(/CHECK constraint failed/)
    const rows = before.prepare('SELECT * FROM presses ORDER BY id').all()
    before.close()

    const db = openDatabase(file)
    expect(db.prepare('SELECT * FROM presses ORDER BY id').all()).toEqual(rows)
    db.prepare("INSERT INTO presses (box_id, boot, seq, rating, received_at, age_ms, time_ms) VALUES ('box-1', 'b', 5, 'fair', 1, 0, 1)").run()
    expect(db.prepare("SELECT id FROM presses WHERE rating = 'fair'").pluck().get()).toBe(5)
    expect(() => db.prepare("INSERT INTO presses (box_id, boot, seq, rating, received_at, age_ms, time_ms) VALUES ('box-1', 'b', 6, 'great', 1, 0, 1)").run()).toThrow(/CHECK constraint failed/)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'presses' AND type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all()).toEqual(['presses_burst', 'presses_time', 'presses_window'])
    db.close()
  })
})
