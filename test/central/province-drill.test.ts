/**
 * The province server's logins and drill-down over a real central store: session cookies with
 * CSRF for people (Basic stays for API clients), province -> centre -> counter -> officer with
 * each level's figures the sum of the level below, a person by staff code across centres,
 * periods as codes or a range of days; a head of centre X gets 404 for anything of Y.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../gateway/http/accounts.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { startCentralDb, type CentralDb } from './central-db.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const NOW = localMidnight('2026-05-20', TZ) + 10 * 3600_000
const PASSWORD = 'a long test password'
// Presses as a gateway forwards them: through the centre's own login role (row-level security).
const INSERT = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  SELECT $1, $2, 'boot', s, $3, $4, false, $5, 0, $5, 'o', $6, $7, s FROM generate_series($8::int, $9::int) s`

let db: CentralDb
let app: FastifyInstance
let pool: pg.Pool

beforeAll(async () => {
  db = await startCentralDb()
  const at = (date: string) => localMidnight(date, TZ) + 9 * 3600_000
  for (const [centre, name] of [['x', 'Phường X'], ['y', 'Xã Y']]) {
    const c = new pg.Client({ connectionString: await db.addCentre(centre, name) })
    await c.connect()
    await c.query("INSERT INTO chamdiem.counters (centre_id, id, office_id, name) VALUES ($1, 'q1', 'o', 'Quầy 1'), ($1, 'q2', 'o', 'Quầy 2')", [centre])
    await c.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ($1, 'an', 'o', 'Nguyễn Văn An', true), ($1, 'binh', 'o', 'Trần Thị Bình', true)", [centre])
    // q1 (An): 12 positive, 2 negative, 3 repeats (never counted); q2 (Bình): 5 neutral; 4 presses of no officer at q2. All on 2026-04-10.
    await c.query(INSERT, [centre, 'b1', 'positive', false, at('2026-04-10'), 'q1', 'an', 1, 12])
    await c.query(INSERT, [centre, 'b1', 'negative', false, at('2026-04-10'), 'q1', 'an', 13, 14])
    await c.query(INSERT, [centre, 'b1', 'negative', true, at('2026-04-10'), 'q1', 'an', 15, 17])
    await c.query(INSERT, [centre, 'b2', 'neutral', false, at('2026-04-10'), 'q2', 'binh', 1, 5])
    await c.query(INSERT, [centre, 'b2', 'positive', false, at('2026-04-10'), 'q2', null, 6, 9])
    // And in May, only centre x: 10 positive for An at q2 (he moved counter).
    if (centre === 'x') await c.query(INSERT, [centre, 'b2', 'positive', false, at('2026-05-02'), 'q2', 'an', 10, 19])
    await c.end()
  }
  // An of x and An of y are one person, moved between centres.
  await db.pg.query("UPDATE chamdiem.officers SET staff_code = 'CB-7' WHERE id = 'an'")
  pool = new pg.Pool({ connectionString: await db.addReader('province_drill') })
  // PostgreSQL may be disposed before afterAll ends the pool: an idle client then hears
  // "terminating connection", which is no failure of this test (as in rollup.test.ts).
  pool.on('error', () => {})
  const users = await Promise.all(
    [
      { username: 'admin', role: 'admin' as const },
      { username: 'head-x', role: 'head' as const, centre: 'x' },
      { username: 'viewer', role: 'viewer' as const },
      { username: 'hdnd', role: 'oversight' as const },
    ].map(async (u) => ({ ...u, password: await hashPassword(PASSWORD) })),
  )
  app = await buildProvinceApp({ pool, users, timeZone: TZ, now: () => NOW })
})
afterAll(async () => {
  await app?.close()
  await pool?.end()
})

/** Logs in through /api/login; returns the cookies a browser would send and the CSRF token. */
async function login(username: string) {
  const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } })
  expect(r.statusCode).toBe(200)
  const cookies = Object.fromEntries(r.cookies.map((c) => [c.name, c.value]))
  return { cookie: `cd_session=${cookies.cd_session}; cd_csrf=${cookies.cd_csrf}`, csrf: r.json().csrf as string, response: r }
}
const get = async (cookie: string, url: string) => app.inject({ url, headers: { cookie } })
const counts = (r: { positive: number; neutral: number; negative: number; total: number }) => [r.positive, r.neutral, r.negative, r.total]

describe('province logins', () => {
  it('logs in with a session cookie, refuses a wrong password, and logs out only with the CSRF token', async () => {
    const wrong = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: 'nope' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().code).toBe('WRONG_CREDENTIALS')
    expect(wrong.headers['www-authenticate']).toBeUndefined()
    const { cookie, csrf, response } = await login('admin')
    const session = response.cookies.find((c) => c.name === 'cd_session')!
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    expect((await get(cookie, '/api/session')).json()).toMatchObject({ user: { username: 'admin', role: 'admin', centre: null }, timezone: TZ })
    // Pages: the login page without a session, the dashboard with one.
    const page = await app.inject({ url: '/ranking' })
    expect([page.statusCode, page.headers.location]).toEqual([302, '/login'])
    expect((await app.inject({ url: '/static/province-app.js' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/static/login.js' })).statusCode).toBe(200)
    const html = await get(cookie, '/ranking')
    expect(html.statusCode).toBe(200)
    expect(html.headers['content-security-policy']).toContain("script-src 'self'")
    expect(html.body).toContain('province-app.js')
    // A cross-site page cannot log the user out (nor do anything else): no token, no change.
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } })).statusCode).toBe(403)
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' } })).statusCode).toBe(403)
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(204)
    expect((await get(cookie, '/api/live')).statusCode).toBe(401)
  })

  it('gives viewers and oversight nothing to change', async () => {
    for (const who of ['viewer', 'hdnd']) {
      const { cookie, csrf } = await login(who)
      expect((await get(cookie, '/api/drill?period=2026-Q2')).statusCode).toBe(200)
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        for (const url of ['/api/live', '/api/ranking', '/api/drill', '/api/centres/x', '/api/users']) {
          const r = await app.inject({ method, url, headers: { cookie, 'x-csrf-token': csrf }, payload: {} })
          expect(r.statusCode, `${who} ${method} ${url}`).toBe(404)
        }
      }
    }
  })
})

describe('province drill-down', () => {
  it('shows each level with its own figures and the level below, down to a person across centres', async () => {
    const { cookie } = await login('admin')
    const province = (await get(cookie, '/api/drill?period=2026-Q2')).json()
    expect(province.level).toBe('province')
    // Both with 2 frowns: x's 31 of 33 satisfied ranks above y's 21 of 23 (a narrower interval).
    expect(province.below.rows.map((r: { key: string; rank: number; total: number }) => [r.rank, r.key, r.total])).toEqual([
      [1, 'x', 33],
      [2, 'y', 23],
    ])
    expect(counts(province.figures)).toEqual([42, 10, 4, 56])
    const centre = (await get(cookie, '/api/drill?period=2026-Q2&centre=x')).json()
    expect(centre.path.map((c: { name: string }) => c.name)).toEqual(['', 'Phường X'])
    expect(counts(centre.figures)).toEqual([26, 5, 2, 33])
    expect(Object.fromEntries(centre.below.rows.map((r: { key: string } & Parameters<typeof counts>[0]) => [r.key, counts(r)]))).toEqual({ q1: [12, 0, 2, 14], q2: [14, 5, 0, 19] })
    expect(centre.officers.map((r: { key: string; total: number }) => [r.key, r.total])).toEqual([
      ['CB-7', 24],
      ['x/binh', 5],
    ])
    const counter = (await get(cookie, '/api/drill?period=2026-Q2&centre=x&counter=q2')).json()
    expect(counter.path.map((c: { name: string }) => c.name)).toEqual(['', 'Phường X', 'Quầy 2'])
    expect(Object.fromEntries(counter.below.rows.map((r: { key: string; total: number }) => [r.key, r.total]))).toEqual({ 'CB-7': 10, 'x/binh': 5, unattributed: 4 })
    // The person: both centres' records for the province; by centre and counter.
    const person = (await get(cookie, '/api/drill?period=2026-Q2&officer=CB-7')).json()
    expect(person.path.at(-1)).toEqual({ level: 'officer', id: 'CB-7', name: 'Nguyễn Văn An' })
    expect(counts(person.figures)).toEqual([34, 0, 4, 38])
    expect(Object.fromEntries(person.below.rows.map((r: { key: string; total: number }) => [r.key, r.total]))).toEqual({ 'x/q1': 14, 'x/q2': 10, 'y/q1': 14 })
    // A range of days (both ends inclusive): April only.
    const april = (await get(cookie, '/api/drill?from=2026-04-01&to=2026-04-10&centre=x')).json()
    expect(april.period).toMatchObject({ kind: 'range', label: '2026-04-01..2026-04-10' })
    expect(counts(april.figures)).toEqual([16, 5, 2, 23])
    expect((await get(cookie, '/api/drill?from=2026-04-01&to=2026-04-09&centre=x')).json().figures.total).toBe(0)
    for (const bad of ['from=2026-04-10&to=2026-04-01', 'from=2026-02-30&to=2026-03-01', 'from=2026-04-01', 'period=2026-Q5', 'period=someday']) {
      expect((await get(cookie, '/api/drill?' + bad)).statusCode, bad).toBe(400)
    }
    const csv = await get(cookie, '/api/drill?period=2026-Q2&centre=x&format=csv')
    expect(csv.headers['content-disposition']).toBe('attachment; filename="centre-counter-2026-Q2.csv"')
    expect(csv.body).toContain('q1,Quầy 1,Phường X,12,0,2,14,')
  })

  it('shows a head of centre X only X, and 404 for anything of Y', async () => {
    const { cookie } = await login('head-x')
    const province = (await get(cookie, '/api/drill?period=2026-Q2')).json()
    expect(province.below.rows.map((r: { key: string }) => r.key)).toEqual(['x'])
    // The same person, seen from X: only X's records and presses.
    const person = (await get(cookie, '/api/drill?period=2026-Q2&officer=CB-7')).json()
    expect(counts(person.figures)).toEqual([22, 0, 2, 24])
    expect(person.below.rows.map((r: { key: string }) => r.key).sort()).toEqual(['x/q1', 'x/q2'])
    for (const url of ['centre=y', 'centre=y&counter=q1', 'officer=y%2Fan', 'officer=y%2Fbinh', 'centre=x&counter=q9', 'centre=zz']) {
      const r = await get(cookie, '/api/drill?period=2026-Q2&' + url)
      expect(r.statusCode, url).toBe(404)
      expect(r.body).not.toContain('Xã Y')
    }
    for (const url of ['/api/drill?period=2026-Q2&format=csv', '/api/drill?period=2026-Q2&officer=CB-7&format=csv', '/api/ranking?by=officer&period=2026-Q2', '/api/live']) {
      const r = await get(cookie, url)
      expect(r.statusCode, url).toBe(200)
      expect(r.body, url).not.toContain('Xã Y')
      expect(r.body, url).not.toMatch(/\by\/|"y"/)
    }
  })
})
