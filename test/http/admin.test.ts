/**
 * Reports and administration through the API: report figures and ranking, CSV with a BOM,
 * the time series, the quarterly report; offices, counters, officers, shifts, boxes
 * (secret shown once), duty and users.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp } from './app-helper.ts'
import { localMidnight } from '../../gateway/local-time.ts'

const TZ = 'Asia/Ho_Chi_Minh'

describe('reports', () => {
  // 2026-08-10, a Monday, 09:00 in Hanoi.
  const day = localMidnight('2026-08-10', TZ) + 9 * 3600_000

  async function seeded() {
    let now = day
    const t = await startTestApp({ now: () => now })
    const admin = await t.login('admin')
    await admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    await admin.request('POST', '/api/duty/sign-in', { officer: 'binh', counter: 'q2' })
    // an: 12 ratings (10 smiley, 1 neutral, 1 frown); binh: 3 smiley (too few); one repeat.
    let seq = 0
    for (let i = 0; i < 10; i++) await t.pressAs('box-1', ++seq, 'positive')
    await t.pressAs('box-1', ++seq, 'neutral')
    await t.pressAs('box-1', ++seq, 'negative')
    await t.pressAs('box-1', ++seq, 'negative', { repeat: true })
    now += 24 * 3600_000
    for (let i = 1; i <= 3; i++) await t.pressAs('box-2', i, 'positive')
    // The first session has expired by now (12 h): log in again.
    return { t, admin: await t.login('admin') }
  }

  it('figures per officer, ranked by the Wilson lower bound, too few shown as such, totals add up', async () => {
    const { admin } = await seeded()
    const res = await admin.request('GET', '/api/reports?from=2026-08-01&to=2026-08-31&by=officer')
    expect(res.statusCode).toBe(200)
    const r = res.json()
    expect(r.rows.map((x: { key: string }) => x.key)).toEqual(['an', 'binh'])
    const [an, binh] = r.rows
    expect(an).toMatchObject({ name: 'Nguyễn Văn An', positive: 10, neutral: 1, negative: 1, total: 12, repeats: 1, bursts: 0, rank: 1, tooFew: false })
    expect(an.satisfaction).toBeCloseTo(11 / 12)
    expect(an.index).toBeCloseTo((1000 + 50) / 12)
    expect(an.wilsonLow).toBeGreaterThan(0.6)
    expect(an.wilsonLow).toBeLessThan(11 / 12)
    expect(binh).toMatchObject({ total: 3, tooFew: true, rank: null })
    expect(r.totals).toMatchObject({ total: 15, repeats: 1 })
    const empty = (await admin.request('GET', '/api/reports?from=2026-09-01&to=2026-09-30&by=counter')).json()
    expect(empty.rows).toEqual([])
  })

  it('shows bursts (presses beyond a human rate) apart from counted presses and repeats', async () => {
    const t = await startTestApp({ now: () => day })
    const admin = await t.login('admin')
    await admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    // 25 presses of one box in the same millisecond: the human rate (20 per 10 s) keeps 20.
    for (let seq = 1; seq <= 25; seq++) await t.pressAs('box-1', seq, 'negative')
    const r = (await admin.request('GET', '/api/reports?from=2026-08-01&to=2026-08-31&by=officer')).json()
    expect(r.rows).toMatchObject([{ key: 'an', negative: 20, total: 20, repeats: 0, bursts: 5 }])
    expect(r.totals).toMatchObject({ total: 20, repeats: 0, bursts: 5 })
  })

  it('CSV is UTF-8 with a BOM and one row per officer plus the total', async () => {
    const { admin } = await seeded()
    const res = await admin.request('GET', '/api/reports.csv?from=2026-08-01&to=2026-08-31&by=officer')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/csv; charset=utf-8/)
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="chamdiem-all-officer-2026-08-01-2026-08-31.csv"/)
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toMatch(/^Hạng,Mã,Họ và tên,Rất hài lòng,Hài lòng,Không hài lòng,Tổng số,Bấm lặp \(không tính\),Bấm dồn dập \(không tính\),Tỷ lệ hài lòng,/)
    expect(lines[1]).toMatch(/^1,an,Nguyễn Văn An,10,1,1,12,1,0,"91,7 %",/)
    expect(lines[2]).toMatch(/^,binh,Trần Thị Bình,3,0,0,3,0,0,"100,0 %",.*,Quá ít đánh giá,/)
    expect(lines[3]).toMatch(/^,Tổng cộng,,13,1,1,15,1,0,"93,3 %",/)
    // The semicolon option, for Excel in a Vietnamese locale: no quoting needed around "91,7 %".
    const semi = (await admin.request('GET', '/api/reports.csv?from=2026-08-01&to=2026-08-31&by=officer&sep=semicolon')).body.replace(/^\uFEFF/, '').split('\r\n')
    expect(semi[1]).toMatch(/^1;an;Nguyễn Văn An;10;1;1;12;1;0;91,7 %;/)
  })

  it('the chart series has one point per day; the quarterly report covers the quarter', async () => {
    const { admin } = await seeded()
    const s = (await admin.request('GET', '/api/reports/series?from=2026-08-09&to=2026-08-12')).json()
    expect(s.step).toBe('day')
    expect(s.points.map((p: { bucket: string; total: number }) => [p.bucket, p.total])).toEqual([
      ['2026-08-09', 0],
      ['2026-08-10', 12],
      ['2026-08-11', 3],
      ['2026-08-12', 0],
    ])
    const one = (await admin.request('GET', '/api/reports/series?from=2026-08-09&to=2026-08-12&by=officer&key=binh')).json()
    expect(one.points.map((p: { total: number }) => p.total)).toEqual([0, 0, 3, 0])
    const year = (await admin.request('GET', '/api/reports/series?from=2026-01-01&to=2026-12-31')).json()
    expect(year.step).toBe('month')
    expect(year.points).toHaveLength(12)
    expect(year.points[7]).toMatchObject({ bucket: '2026-08-01', total: 15 })

    const q = (await admin.request('GET', '/api/reports/quarterly?office=hcc&year=2026&quarter=3')).json()
    expect(q).toMatchObject({ from: '2026-07-01', to: '2026-09-30', office: { id: 'hcc' } })
    expect(q.byOfficer.totals.total).toBe(15)
    expect(q.byCounter.rows.map((r: { key: string }) => r.key).sort()).toEqual(['q1', 'q2'])
    expect(q.months.map((m: { month: string; total: number }) => [m.month, m.total])).toEqual([
      ['2026-07', 0],
      ['2026-08', 15],
      ['2026-09', 0],
    ])
    expect(q.daily).toHaveLength(92)
  })
})

describe('administration', () => {
  it('offices, counters and officers: admins create, heads edit their own', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const head = await t.login('head')
    expect((await admin.request('PUT', '/api/offices/xa-b', { name: 'UBND xã B' })).statusCode).toBe(204)
    expect((await head.request('PUT', '/api/offices/hcc', { name: 'TTPVHCC tỉnh' })).statusCode).toBe(204)
    expect((await head.request('PUT', '/api/counters/q3', { office: 'hcc', name: 'Quầy 3' })).statusCode).toBe(204)
    expect((await head.request('PUT', '/api/officers/em', { office: 'hcc', name: 'Đỗ Văn Em' })).statusCode).toBe(204)
    expect((await head.request('PUT', '/api/officers/cuong', { office: 'hcc', name: 'Lê Văn Cường', active: false })).statusCode).toBe(204)
    const offices = (await head.request('GET', '/api/offices')).json().offices
    expect(offices).toEqual([{ id: 'hcc', name: 'TTPVHCC tỉnh' }])
    expect((await admin.request('GET', '/api/offices')).json().offices.map((o: { id: string }) => o.id)).toEqual(['hcc', 'other', 'xa-b'])
    expect((await head.request('GET', '/api/counters')).json().counters.map((c: { id: string }) => c.id)).toEqual(['q1', 'q2', 'q3'])
    const officers = (await head.request('GET', '/api/officers')).json().officers
    expect(officers.find((o: { id: string }) => o.id === 'cuong').active).toBe(false)
    expect(officers.find((o: { id: string }) => o.id === 'em').name).toBe('Đỗ Văn Em')
    expect((await admin.request('PUT', '/api/counters/q9', { office: 'nowhere', name: 'x' })).statusCode).toBe(404)
    expect((await admin.request('PUT', '/api/counters/bad id', { office: 'hcc', name: 'x' })).statusCode).toBe(400)
  })

  it('shifts: add, list, remove; officer and counter must share the office', async () => {
    const t = await startTestApp()
    const head = await t.login('head')
    const res = await head.request('POST', '/api/shifts', { counter: 'q1', officer: 'an', weekday: 1, from: '07:30', to: '11:30' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ counterId: 'q1', officerId: 'an', weekday: 1, from: '07:30', to: '11:30' })
    expect((await head.request('GET', '/api/shifts')).json().shifts).toHaveLength(1)
    expect((await head.request('POST', '/api/shifts', { counter: 'q1', officer: 'an', weekday: 1, from: '12:00', to: '11:00' })).statusCode).toBe(400)
    const admin = await t.login('admin')
    expect((await admin.request('POST', '/api/shifts', { counter: 'q1', officer: 'dung', weekday: 2, from: '08:00', to: '09:00' })).statusCode).toBe(400)
    expect((await head.request('DELETE', `/api/shifts/${res.json().id}`)).statusCode).toBe(204)
    expect((await head.request('GET', '/api/shifts')).json().shifts).toEqual([])
    expect((await head.request('DELETE', '/api/shifts/999')).statusCode).toBe(404)
  })

  it('boxes: the secret is shown once, works for that box, then only its hash remains; move and retire', async () => {
    const t = await startTestApp()
    const head = await t.login('head')
    const res = await head.request('POST', '/api/boxes', { id: 'box-9', counter: 'q2' })
    expect(res.statusCode).toBe(201)
    expect(res.headers['cache-control']).toBe('no-store')
    const { secret } = res.json()
    expect(secret.length).toBeGreaterThanOrEqual(24)
    expect(t.registry.verifyBox('box-9', secret)).toBe(true)
    const list = (await head.request('GET', '/api/boxes')).body
    expect(list).toContain('box-9')
    expect(list).not.toContain(secret)
    expect(JSON.stringify(t.db.prepare("SELECT * FROM boxes WHERE id = 'box-9'").get())).not.toContain(secret)

    expect((await head.request('POST', '/api/boxes/box-9/move', { counter: 'q1' })).statusCode).toBe(204)
    const boxes = (await head.request('GET', '/api/boxes')).json().boxes
    expect(boxes.find((b: { id: string }) => b.id === 'box-9')).toMatchObject({ counterId: 'q1', officeId: 'hcc', online: false })
    expect((await head.request('POST', '/api/boxes/box-9/retire')).statusCode).toBe(204)
    expect(t.registry.verifyBox('box-9', secret)).toBe(false)
    expect((await head.request('POST', '/api/boxes/nope/retire')).statusCode).toBe(404)
    // An admin may provision a box that stands nowhere yet.
    const admin = await t.login('admin')
    expect((await admin.request('POST', '/api/boxes', { id: 'spare-1' })).statusCode).toBe(201)
  })

  it('duty: sign in, presses go to that officer, sign out', async () => {
    const t = await startTestApp()
    const head = await t.login('head')
    await t.pressAs('box-2', 1, 'positive')
    const res = await head.request('POST', '/api/duty/sign-in', { officer: 'cuong', counter: 'q2' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ officerId: 'cuong', counterId: 'q2' })
    await t.pressAs('box-2', 2, 'neutral')
    const duty = (await head.request('GET', '/api/duty')).json().sessions
    expect(duty).toEqual([expect.objectContaining({ officerId: 'cuong', counterId: 'q2', endMs: null, source: 'web:head' })])
    expect((await head.request('POST', '/api/duty/sign-out', { officer: 'cuong' })).statusCode).toBe(204)
    await t.pressAs('box-2', 3, 'negative')
    const rows = t.db.prepare("SELECT seq, officer_id FROM presses WHERE box_id = 'box-2' ORDER BY seq").all()
    expect(rows).toEqual([
      { seq: 1, officer_id: null },
      { seq: 2, officer_id: 'cuong' },
      { seq: 3, officer_id: null },
    ])
    expect((await head.request('POST', '/api/duty/sign-out', { officer: 'cuong' })).statusCode).toBe(409)
    expect((await head.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'nope' })).statusCode).toBe(404)
  })

  it('users: admins create, change and remove; passwords never come back; the last admin stays', async () => {
    const t = await startTestApp({ users: [{ username: 'admin', role: 'admin', officeId: null }] })
    const admin = await t.login('admin')
    const created = await admin.request('POST', '/api/users', { username: 'truongphong', password: 'mật khẩu dài 1', role: 'head', officeId: 'hcc' })
    expect(created.statusCode).toBe(201)
    expect(created.body).not.toContain('password')
    const id = created.json().id
    expect((await admin.request('POST', '/api/users', { username: 'truongphong', password: 'another long one', role: 'viewer' })).statusCode).toBe(409)
    expect((await admin.request('POST', '/api/users', { username: 'h2', password: 'another long one', role: 'head' })).statusCode).toBe(400)
    expect((await admin.request('POST', '/api/users', { username: 'h3', password: 'short', role: 'viewer' })).statusCode).toBe(400)
    const head = await t.login('truongphong', 'mật khẩu dài 1')
    expect((await head.request('GET', '/api/session')).json().user).toMatchObject({ role: 'head', officeId: 'hcc' })
    expect((await admin.request('PATCH', `/api/users/${id}`, { role: 'viewer', officeId: null })).json()).toMatchObject({ role: 'viewer', officeId: null })
    expect((await admin.request('PATCH', `/api/users/${id}`, { password: 'a new long password' })).statusCode).toBe(200)
    expect((await head.request('GET', '/api/session')).statusCode).toBe(401)
    const list = (await admin.request('GET', '/api/users')).json().users
    expect(list.map((u: { username: string }) => u.username)).toEqual(['admin', 'truongphong'])
    expect(JSON.stringify(list)).not.toContain('scrypt')
    expect((await admin.request('DELETE', `/api/users/${list[0].id}`)).statusCode).toBe(409)
    expect((await admin.request('PATCH', `/api/users/${list[0].id}`, { role: 'viewer' })).statusCode).toBe(409)
    expect((await admin.request('DELETE', `/api/users/${id}`)).statusCode).toBe(204)
    expect((await admin.request('DELETE', `/api/users/${id}`)).statusCode).toBe(404)
  })

  it('the first admin is created once with a random password', async () => {
    const t = await startTestApp({ users: [] })
    // Created by the gateway's first start (what `chamdiem gateway` prints once).
    const first = t.firstAdmin
    expect(first?.username).toBe('admin')
    expect(first!.password.length).toBeGreaterThanOrEqual(20)
    expect(await t.accounts.ensureFirstAdmin()).toBeNull()
    const admin = await t.login('admin', first!.password)
    expect((await admin.request('GET', '/api/session')).json().user.role).toBe('admin')
    const stored = t.db.prepare('SELECT password_hash FROM users').get() as { password_hash: string }
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/)
    expect(stored.password_hash).not.toContain(first!.password)
  })
})
