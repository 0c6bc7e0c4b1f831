/**
 * An officer's own account: they see their own figures, aggregated and only up to the end of
 * the previous day (config officerResults.until), never a colleague's and nothing of today;
 * every report, live and admin API refuses them.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, PASSWORD } from './app-helper.ts'
import Database from 'better-sqlite3'
import { resultsUntil } from '../../gateway/http/routes/me.ts'
import { MIGRATIONS } from '../../gateway/store/migrations.ts'
import { migrate } from '../../gateway/store/database.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// Tuesday 11 August 2026 in Hanoi.
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+07:00`)

describe('officer accounts', () => {
  it('see their own results up to yesterday, nothing of today and nothing of colleagues', async () => {
    let now = at('2026-08-10', '09:00')
    const t = await startTestApp({ now: () => now })
    const admin = await t.login('admin')
    const created = await admin.request('POST', '/api/users', { username: 'an', password: PASSWORD, role: 'officer', officerId: 'an' })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ role: 'officer', officerId: 'an', officeId: 'hcc' })
    // An officer account needs an officer.
    expect((await admin.request('POST', '/api/users', { username: 'x', password: PASSWORD, role: 'officer' })).statusCode).toBe(400)

    await admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    await admin.request('POST', '/api/duty/sign-in', { officer: 'binh', counter: 'q2' })
    // Monday: an 3 smiley + 1 frown, binh 5 frowns.
    let seq = 0
    for (const r of ['positive', 'positive', 'positive', 'negative'] as const) await t.pressAs('box-1', ++seq, r)
    for (let i = 1; i <= 5; i++) await t.pressAs('box-2', i, 'negative')
    // Tuesday, today: an 2 more frowns, which the officer must not see yet.
    now = at('2026-08-11', '10:00')
    await t.pressAs('box-1', ++seq, 'negative')
    await t.pressAs('box-1', ++seq, 'negative')

    const an = await t.login('an')
    const res = await an.request('GET', '/api/me/results?from=2026-08-01&to=2026-08-31')
    expect(res.statusCode, res.body).toBe(200)
    const r = res.json()
    expect(r).toMatchObject({ officer: { id: 'an', name: 'Nguyễn Văn An' }, until: at('2026-08-11', '00:00'), to: at('2026-08-11', '00:00'), delay: 'previous-day' })
    expect(r.figures).toMatchObject({ positive: 3, neutral: 0, negative: 1, total: 4 })
    expect(r.figures.satisfaction).toBeCloseTo(3 / 4)
    expect(r.figures).not.toHaveProperty('rank')
    expect(JSON.stringify(r)).not.toMatch(/binh|Bình/)
    // Asking for a colleague changes nothing: the account is an's.
    expect((await an.request('GET', '/api/me/results?from=2026-08-01&to=2026-08-31&officer=binh')).json().figures).toEqual(r.figures)
    // A period of today only: nothing yet.
    expect((await an.request('GET', '/api/me/results?from=2026-08-11&to=2026-08-11')).json()).toMatchObject({ figures: null })
    // The next day, Tuesday's presses show.
    now = at('2026-08-12', '08:00')
    const anNextDay = await t.login('an')
    expect((await anNextDay.request('GET', '/api/me/results?from=2026-08-01&to=2026-08-31')).json().figures).toMatchObject({ negative: 3, total: 6 })

    // Every other API refuses an officer: reports, live, the audit trail, administration.
    for (const [method, url, body] of [
      ['GET', '/api/reports?from=2026-08-01&to=2026-08-31&by=officer'],
      ['GET', '/api/reports.csv?from=2026-08-01&to=2026-08-31&by=officer'],
      ['GET', '/api/reports/series?from=2026-08-01&to=2026-08-31'],
      ['GET', '/api/live'],
      ['GET', '/api/live/events'],
      ['GET', '/api/alerts'],
      ['GET', '/api/audit?from=2026-08-01&to=2026-08-31'],
      ['GET', '/api/officers'],
      ['GET', '/api/counters'],
      ['GET', '/api/boxes'],
      ['GET', '/api/duty'],
      ['GET', '/api/shifts'],
      ['GET', '/api/users'],
      ['POST', '/api/duty/sign-out', { officer: 'an' }],
      ['PATCH', '/api/users/1', { role: 'admin' }],
    ] as const) {
      const res = await anNextDay.request(method, url, body)
      expect(res.statusCode, `${method} ${url}`).toBe(403)
    }
    // Their session and their page answer.
    expect((await anNextDay.request('GET', '/api/session')).json().user).toMatchObject({ username: 'an', role: 'officer', officerId: 'an' })
    expect((await anNextDay.request('GET', '/me')).statusCode).toBe(200)
    // Other roles have no "own results".
    expect((await (await t.login('admin')).request('GET', '/api/me/results?from=2026-08-01&to=2026-08-31')).statusCode).toBe(403)
  })

  it('the delay follows the config: end of the previous day, week or month', () => {
    const now = at('2026-08-12', '15:30') // a Wednesday
    expect(resultsUntil(now, TZ, 'previous-day')).toBe(at('2026-08-12', '00:00'))
    expect(resultsUntil(now, TZ, 'previous-week')).toBe(at('2026-08-10', '00:00'))
    expect(resultsUntil(now, TZ, 'previous-month')).toBe(at('2026-08-01', '00:00'))
    expect(resultsUntil(at('2026-08-10', '00:00'), TZ, 'previous-week')).toBe(at('2026-08-10', '00:00'))
  })

  it('an existing database gains the officer role and keeps its users and their sessions', () => {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    const mine = MIGRATIONS.findIndex((m) => m.name.startsWith('audit trail'))
    for (const m of MIGRATIONS.slice(0, mine)) db.exec(m.sql)
    db.pragma(`user_version = ${MIGRATIONS[mine - 1].version}`)
    db.exec(`INSERT INTO offices VALUES ('hcc', 'Trung tâm'); INSERT INTO officers (id, office_id, name) VALUES ('an', 'hcc', 'An');
      INSERT INTO users (username, password_hash, role, office_id, created_at) VALUES ('head', 'scrypt$x', 'head', 'hcc', 1);
      INSERT INTO user_sessions VALUES ('token-hash', 1, 1, 2)`)
    migrate(db)
    expect(db.prepare('SELECT id, username, role, office_id, officer_id FROM users').all()).toEqual([{ id: 1, username: 'head', role: 'head', office_id: 'hcc', officer_id: null }])
    expect(db.prepare('SELECT user_id FROM user_sessions').all()).toEqual([{ user_id: 1 }])
    expect(db.pragma('foreign_key_check')).toEqual([])
    // An officer account is linked to an officer, and only an officer account is.
    db.exec("INSERT INTO users (username, password_hash, role, office_id, officer_id, created_at) VALUES ('an', 'scrypt$x', 'officer', 'hcc', 'an', 1)")
    expect(() => db.exec("INSERT INTO users (username, password_hash, role, created_at) VALUES ('o', 'x', 'officer', 1)")).toThrow(/CHECK/)
    expect(() => db.exec("UPDATE users SET officer_id = 'an' WHERE username = 'head'")).toThrow(/CHECK/)
  })
})
