/**
 * A five-level centre forwarding to the province's PostgreSQL: every level arrives with its
 * id (the central rating column takes the five ids since central migration 3), the roll-ups
 * count all five (migration 4), and the province's ranking, drill-down and CSV show each
 * level's exact count with the satisfaction rate and index of the province's scale: on five
 * levels as the centre's, and on the default three with the levels it lacks counted and named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import { SCALE_PRESETS, pressTopic, type RatingScale } from '../../protocol/index.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { hashPassword } from '../../gateway/http/accounts.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { ranking } from '../../gateway/central/province-queries.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { SECRET } from '../helpers/office.ts'
import { rollupMismatches, startCentralDb, type CentralDb } from './central-db.ts'
import { CENTRE_REGISTRY, INGEST, centralSection, centralStatus, forwarder } from './centre-gateway.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// The centre's clock, frozen in May 2026 (never today's date).
const NOW = localMidnight('2026-05-20', TZ) + 10 * 3600_000
const LEVELS = ['positive', 'neutral', 'fair', 'negative', 'very-negative'] as const
// Presses at each level, at box-1 (counter q1, officer an all week): 11, so the centre is ranked.
const PRESSES = { positive: 4, neutral: 3, fair: 2, negative: 1, 'very-negative': 1 }
const PERIOD = 'period=2026-05'
const auth = { authorization: 'Basic ' + Buffer.from('admin:pw-admin-1').toString('base64') }

let db: CentralDb
let g: TestGateway
let pool: pg.Pool
const apps: FastifyInstance[] = []

async function province(scale?: RatingScale): Promise<FastifyInstance> {
  const users = [{ username: 'admin', role: 'admin' as const, password: await hashPassword('pw-admin-1') }]
  const app = await buildProvinceApp({ pool, users, timeZone: TZ, now: () => NOW, scale })
  apps.push(app)
  return app
}

beforeAll(async () => {
  db = await startCentralDb()
  const url = await db.addCentre('five', 'Phường Năm')
  g = await startTestGateway({
    registry: CENTRE_REGISTRY,
    config: { ingest: INGEST, central: centralSection(url, 'five'), http: { enabled: false }, ratingScale: { preset: 5 } },
    standardParts: true,
    now: () => NOW,
  })
  pool = new pg.Pool({ connectionString: await db.addReader('five_reader') })
  pool.on('error', () => {})
}, 120_000)
afterAll(async () => {
  for (const app of apps) await app.close()
  await g?.stop()
  await pool?.end()
})

describe('a five-level centre', () => {
  it('forwards a press at each of the five levels; the roll-ups count each level', { timeout: 120_000 }, async () => {
    const box = await g.connectBox('box-1', SECRET('box-1'))
    let seq = 0
    for (const rating of LEVELS) {
      for (let i = 0; i < PRESSES[rating]; i++) {
        await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: ++seq, boot: 'five', rating, ageMs: 0 }), { qos: 1 })
      }
    }
    await box.endAsync()
    await forwarder(g).drained(60_000)
    expect(centralStatus(g)).toMatchObject({ state: 'ok', backlog: 0 })
    const stored = await db.pg.query<{ rating: string; n: string }>("SELECT rating, count(*) AS n FROM chamdiem.presses WHERE centre_id = 'five' GROUP BY 1")
    expect(Object.fromEntries(stored.map((r) => [r.rating, Number(r.n)]))).toEqual(PRESSES)
    const day = await db.pg.query("SELECT positive, neutral, fair, negative, very_negative FROM chamdiem.daily_centres WHERE centre_id = 'five'")
    expect(day).toEqual([{ positive: 4, neutral: 3, fair: 2, negative: 1, very_negative: 1 }])
    expect(await rollupMismatches(db.pg)).toEqual([])
  })

  it('ranks and drills down on a five-level province: exact counts, rate and index of five levels, the same from roll-ups as from presses', async () => {
    const app = await province(SCALE_PRESETS[5])
    const centres = (await app.inject({ url: `/api/ranking?by=centre&${PERIOD}`, headers: auth })).json()
    expect(centres.scale.map((l: { id: string }) => l.id)).toEqual([...LEVELS])
    expect(centres.outsideScale).toEqual([])
    // Satisfied: Rất hài lòng + Hài lòng = 7 of 11; index (4·100 + 3·75 + 2·50 + 1·25 + 1·0) / 11.
    const five = { ...PRESSES, total: 11, scored: 11, satisfaction: 7 / 11, index: 750 / 11, tooFew: false, rank: 1 }
    expect(centres.rows).toEqual([expect.objectContaining({ key: 'five', ...five })])
    expect(centres.rows[0].outside).toBeUndefined()
    const officers = (await app.inject({ url: `/api/ranking?by=officer&${PERIOD}`, headers: auth })).json()
    expect(officers.rows).toEqual([expect.objectContaining({ key: 'five/an', ...five })])
    const p = { fromMs: localMidnight('2026-05-01', TZ), toMs: localMidnight('2026-06-01', TZ) }
    for (const by of ['centre', 'officer'] as const) {
      expect(await ranking(pool, null, by, p.fromMs, p.toMs, { scale: SCALE_PRESETS[5] })).toEqual(await ranking(pool, null, by, p.fromMs, p.toMs, { scale: SCALE_PRESETS[5], rollups: false }))
    }

    const centre = (await app.inject({ url: `/api/drill?${PERIOD}&centre=five`, headers: auth })).json()
    expect(centre.figures).toMatchObject({ ...PRESSES, total: 11, satisfaction: 7 / 11, index: 750 / 11 })
    expect(centre.below.rows).toEqual([expect.objectContaining({ key: 'q1', ...PRESSES, total: 11 })])
    const counter = (await app.inject({ url: `/api/drill?${PERIOD}&centre=five&counter=q1`, headers: auth })).json()
    expect(counter.below.rows).toEqual([expect.objectContaining({ key: 'five/an', ...PRESSES, total: 11 })])

    const csv = (await app.inject({ url: `/api/ranking?by=centre&${PERIOD}&format=csv`, headers: auth })).body
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n')
    expect(lines[0]).toBe('Hạng,Mã,Tên,Trung tâm,Rất hài lòng,Hài lòng,Bình thường,Không hài lòng,Rất không hài lòng,Tổng số,Tỷ lệ hài lòng,Chỉ số (0-100),Cận dưới 95%,Cận trên 95%,Ghi chú')
    expect(lines[1]).toMatch(/^1,five,Phường Năm,Phường Năm,4,3,2,1,1,11,"63,6 %","68,2",/)
    expect(csv).not.toContain('ngoài thang điểm')
    const ids = (await app.inject({ url: `/api/ranking?by=centre&${PERIOD}&format=csv&header=ids`, headers: auth })).body.split('\n')
    expect(ids[0]).toBe('rank,key,name,centreName,positive,neutral,fair,negative,very-negative,total,satisfaction,index,wilsonLow,wilsonHigh')
    expect(ids[1]).toMatch(/^1,five,Phường Năm,Phường Năm,4,3,2,1,1,11,0\.6364,68\.1818,/)
  })

  it('on a three-level province, counts the levels its scale lacks under their own ids and names them', async () => {
    const app = await province()
    const centres = (await app.inject({ url: `/api/ranking?by=centre&${PERIOD}`, headers: auth })).json()
    expect(centres.scale.map((l: { id: string }) => l.id)).toEqual(['positive', 'neutral', 'negative'])
    expect(centres.outsideScale).toEqual([
      { id: 'fair', label: 'Bình thường', labelEn: 'Neutral', score: 50, satisfied: false },
      { id: 'very-negative', label: 'Rất không hài lòng', labelEn: 'Very dissatisfied', score: 0, satisfied: false },
    ])
    // Every press in the total and the rate (7 satisfied of 11); the index over the 8 the
    // three-level scale scores: (4·100 + 3·50 + 1·0) / 8.
    expect(centres.rows).toEqual([
      expect.objectContaining({ key: 'five', ...PRESSES, total: 11, scored: 8, satisfaction: 7 / 11, index: 550 / 8, outside: { fair: 2, 'very-negative': 1 } }),
    ])
    const drill = (await app.inject({ url: `/api/drill?${PERIOD}&centre=five`, headers: auth })).json()
    expect(drill.figures).toMatchObject({ total: 11, fair: 2, 'very-negative': 1, satisfaction: 7 / 11 })
    expect(drill.outsideScale.map((l: { id: string }) => l.id)).toEqual(['fair', 'very-negative'])
    const live = (await app.inject({ url: '/api/live', headers: auth })).json()
    expect(live.rows).toEqual([expect.objectContaining({ centreId: 'five', officerId: 'an', ...PRESSES })])
    expect(live.outsideScale.map((l: { id: string }) => l.id)).toEqual(['fair', 'very-negative'])

    const csv = (await app.inject({ url: `/api/ranking?by=centre&${PERIOD}&format=csv`, headers: auth })).body.replace(/^\uFEFF/, '').split('\r\n')
    expect(csv[0]).toBe(
      'Hạng,Mã,Tên,Trung tâm,Rất hài lòng,Hài lòng,Không hài lòng,Bình thường (ngoài thang điểm),Rất không hài lòng (ngoài thang điểm),Tổng số,Tỷ lệ hài lòng,Chỉ số (0-100),Cận dưới 95%,Cận trên 95%,Ghi chú',
    )
    expect(csv[1]).toMatch(/^1,five,Phường Năm,Phường Năm,4,3,1,2,1,11,"63,6 %","68,8",/)
    expect(csv[2]).toContain('ngoài thang điểm của tỉnh (Bình thường, Rất không hài lòng)')
  })
})
