/**
 * The province's server over a real central store: a head of centre X sees nothing of centre
 * Y; admins and oversight see the province; rankings per period, officers by staff code; CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../gateway/http/accounts.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { startCentralDb, type CentralDb } from './central-db.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// A fixed "now" in Q2 2026 (never today's date).
const NOW = localMidnight('2026-05-20', TZ) + 10 * 3600_000
const INSERT = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  SELECT $1, 'b1', 'boot', s, $2, false, false, $3, 0, $3, 'o', 'q1', $4, s FROM generate_series($5::int, $6::int) s`

let db: CentralDb
let app: FastifyInstance
let pool: pg.Pool
const auth = (user: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:pw-${user}`).toString('base64') })

beforeAll(async () => {
  db = await startCentralDb()
  const centres = { x: await db.addCentre('x', 'Phường X'), y: await db.addCentre('y', 'Xã Y') }
  for (const [centre, url] of Object.entries(centres)) {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    await c.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ($1, 'an', 'o', 'Nguyễn Văn An', true)", [centre])
    // x: 40 positive today; y: 30 positive + 10 negative today; both also in Q1.
    await c.query(INSERT, [centre, 'positive', NOW - 3600_000, 'an', 1, centre === 'x' ? 40 : 30])
    if (centre === 'y') await c.query(INSERT, [centre, 'negative', NOW - 3600_000, 'an', 31, 40])
    await c.query(INSERT, [centre, 'neutral', localMidnight('2026-02-10', TZ), 'an', 100, 119])
    await c.end()
  }
  // The same person, moved from x to y: one staff code.
  await db.pg.query("UPDATE chamdiem.officers SET staff_code = 'CB-1' WHERE id = 'an'")
  pool = new pg.Pool({ connectionString: await db.addReader('province_server') })
  // PostgreSQL is disposed at the end of the file, maybe before afterAll ends the pool: an idle
  // client then hears "terminating connection" (57P01), which is no failure of these tests.
  pool.on('error', () => {})
  const users = await Promise.all(
    [
      { username: 'admin', role: 'admin' as const },
      { username: 'head-x', role: 'head' as const, centre: 'x' },
      { username: 'hdnd', role: 'oversight' as const },
    ].map(async (u) => ({ ...u, password: await hashPassword(`pw-${u.username}`) })),
  )
  app = await buildProvinceApp({ pool, users, timeZone: TZ, now: () => NOW, publicPage: true })
})
afterAll(async () => {
  await app?.close()
  await pool?.end()
})

describe('province server', () => {
  it('asks for a login, and refuses a wrong password', async () => {
    expect((await app.inject({ url: '/api/live' })).statusCode).toBe(401)
    const wrong = { authorization: 'Basic ' + Buffer.from('admin:nope').toString('base64') }
    expect((await app.inject({ url: '/api/live', headers: wrong })).statusCode).toBe(401)
    expect((await app.inject({ url: '/api/health' })).json()).toEqual({ ok: true })
  })

  it('shows a head of centre X nothing of centre Y', async () => {
    const liveX = (await app.inject({ url: '/api/live', headers: auth('head-x') })).json()
    expect(liveX.rows.map((r: { centreId: string }) => r.centreId)).toEqual(['x'])
    const ranking = (await app.inject({ url: '/api/ranking?by=centre&period=quarter&year=2026&n=2', headers: auth('head-x') })).json()
    expect(ranking.rows.map((r: { key: string }) => r.key)).toEqual(['x'])
    const officers = (await app.inject({ url: '/api/ranking?by=officer&period=year&year=2026', headers: auth('head-x') })).json()
    expect(officers.rows).toHaveLength(1)
    expect(officers.rows[0]).toMatchObject({ key: 'CB-1', total: 60, centreName: 'Phường X' })
    expect((await app.inject({ url: '/api/live?centre=y', headers: auth('head-x') })).statusCode).toBe(404)
    const csv = (await app.inject({ url: '/api/ranking?by=centre&period=year&year=2026&format=csv', headers: auth('head-x') })).body
    expect(csv).not.toContain('Xã Y')
  })

  it('ranks the province for a quarter, officers as one person across centres, with CSV', async () => {
    const q2 = (await app.inject({ url: '/api/ranking?by=centre&period=quarter&year=2026&n=2', headers: auth('hdnd') })).json()
    expect(q2.period.label).toBe('2026-Q2')
    expect(q2.rows.map((r: { key: string; rank: number; total: number }) => [r.rank, r.key, r.total])).toEqual([
      [1, 'x', 40],
      [2, 'y', 40],
    ])
    const q1 = (await app.inject({ url: '/api/ranking?by=centre&period=quarter&year=2026&n=1', headers: auth('admin') })).json()
    expect(q1.rows.map((r: { key: string; neutral: number }) => [r.key, r.neutral])).toEqual([
      ['x', 20],
      ['y', 20],
    ])
    const person = (await app.inject({ url: '/api/ranking?by=officer&period=year&year=2026', headers: auth('admin') })).json()
    expect(person.rows).toHaveLength(1)
    expect(person.rows[0]).toMatchObject({ key: 'CB-1', name: 'Nguyễn Văn An', positive: 70, neutral: 40, negative: 10, total: 120 })
    const csv = await app.inject({ url: '/api/ranking?by=centre&period=month&year=2026&n=5&format=csv', headers: auth('admin') })
    expect(csv.headers['content-type']).toContain('text/csv')
    // For people: Vietnamese headers as the gateway's exports, the scale's labels, rates in per cent.
    expect(csv.body.split('\r\n')[0]).toBe('\uFEFFHạng,Mã,Tên,Trung tâm,Rất hài lòng,Hài lòng,Không hài lòng,Tổng số,Tỷ lệ hài lòng,Chỉ số (0-100),Cận dưới 95%,Cận trên 95%,Ghi chú')
    expect(csv.body).toContain('1,x,Phường X,Phường X,40,0,0,40,"100,0 %","100,0"')
    // For scripts: ids and fractions, as this export always had them.
    const ids = await app.inject({ url: '/api/ranking?by=centre&period=month&year=2026&n=5&format=csv&header=ids', headers: auth('admin') })
    expect(ids.body.split('\n')[0]).toBe('rank,key,name,centreName,positive,neutral,negative,total,satisfaction,index,wilsonLow,wilsonHigh')
    expect(ids.body).toContain('1,x,Phường X,Phường X,40,0,0,40,1,100')
  })

  it('publishes centres (never officers) for a finished quarter, without a login, leaving out small samples', async () => {
    const z = await db.addCentre('z', 'Xã Z')
    const c = new pg.Client({ connectionString: z })
    await c.connect()
    await c.query(INSERT, ['z', 'positive', localMidnight('2026-02-11', TZ), 'an', 1, 3]) // 3 ratings: too few
    await c.end()
    const q1 = await app.inject({ url: '/api/public/ranking?period=quarter&year=2026&n=1' })
    expect(q1.statusCode).toBe(200)
    expect(q1.json().rows.map((r: { centre: string }) => r.centre)).toEqual(['Phường X', 'Xã Y'])
    expect(q1.body).not.toContain('Nguyễn Văn An')
    expect(q1.body).not.toContain('Xã Z')
    const unfinished = await app.inject({ url: '/api/public/ranking?period=quarter&year=2026&n=2' })
    expect(unfinished.statusCode).toBe(400)
    expect(unfinished.json().error).toContain('2026-Q2 is not finished')
  })
})
