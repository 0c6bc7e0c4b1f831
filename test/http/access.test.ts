/**
 * Access rules of the dashboard API: no session -> 401 (pages -> /login), a head asking for
 * another office -> 403, a viewer changing something -> 403, a change without the CSRF token
 * or from another origin -> 403, login rate limited, 5xx never shows internals.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { startTestApp, type TestApp, PASSWORD } from './app-helper.ts'
import { buildApp } from '../../gateway/http/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})

const GETS = [
  '/api/session',
  '/api/live',
  '/api/live/events',
  '/api/alerts',
  '/api/alerts?state=resolved&from=2026-01-01&to=2026-01-31',
  '/api/alerts/1',
  '/api/alert-settings',
  '/api/rejected',
  '/api/reports?from=2026-01-01&to=2026-01-31&by=officer',
  '/api/reports.csv?from=2026-01-01&to=2026-01-31&by=officer',
  '/api/reports/series?from=2026-01-01&to=2026-01-31',
  '/api/reports/quarterly?office=hcc&year=2026&quarter=1',
  '/api/reports.xlsx?period=2026-Q1&by=officer',
  '/api/reports/official?office=hcc&period=2026-Q1',
  '/api/offices',
  '/api/counters',
  '/api/officers',
  '/api/shifts',
  '/api/boxes',
  '/api/duty',
  '/api/users',
  '/api/no-such-route',
  '/static/app.js',
]
const CHANGES: Array<[string, string, unknown]> = [
  ['POST', '/api/logout', undefined],
  ['POST', '/api/password', { current: 'x', password: 'yyyyyyyyyyyy' }],
  ['PUT', '/api/alert-settings', {}],
  ['POST', '/api/alerts/1/ack', { comment: 'x' }],
  ['PUT', '/api/offices/hcc', { name: 'x' }],
  ['PUT', '/api/counters/q1', { office: 'hcc', name: 'x' }],
  ['PUT', '/api/officers/an', { office: 'hcc', name: 'x' }],
  ['POST', '/api/shifts', { counter: 'q1', officer: 'an', weekday: 1, from: '08:00', to: '12:00' }],
  ['PUT', '/api/shifts/week/q1', { shifts: [] }],
  ['DELETE', '/api/shifts/1', undefined],
  ['POST', '/api/boxes', { id: 'box-9', counter: 'q1' }],
  ['POST', '/api/boxes/box-1/move', { counter: 'q2' }],
  ['POST', '/api/boxes/box-1/retire', undefined],
  ['POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' }],
  ['POST', '/api/duty/sign-out', { officer: 'an' }],
  ['POST', '/api/users', { username: 'u', password: 'pppppppppppp', role: 'viewer' }],
  ['PATCH', '/api/users/1', { role: 'viewer' }],
  ['POST', '/api/users/1/reset-password', undefined],
  ['DELETE', '/api/users/1', undefined],
]

describe('without a session', () => {
  it.each(GETS)('GET %s -> 401', async (url) => {
    const res = await t.app.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'login required', code: 'LOGIN_REQUIRED' })
  })

  it.each(CHANGES)('%s %s -> 401', async (method, url, payload) => {
    const res = await t.app.inject({ method: method as 'POST', url, ...(payload ? { payload: payload as object } : {}) })
    expect(res.statusCode).toBe(401)
  })

  it('pages redirect to the login page; the login page and its assets answer', async () => {
    for (const url of ['/', '/live', '/reports', '/admin', '/print', '/alerts']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(302)
      expect(res.headers.location).toBe('/login')
    }
    for (const url of ['/login', '/static/login.js', '/static/i18n.js', '/static/style.css']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200)
    }
  })

  it('health answers; /metrics only to the gateway host itself', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/api/health' })
    expect(health.statusCode).toBe(200)
    expect(health.json().status).toBe('ok')
    const local = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })
    expect(local.statusCode).toBe(200)
    expect(local.body).toContain('chamdiem_presses_total')
    const remote = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.168.1.20' })
    expect(remote.statusCode).toBe(401)
  })
})

describe('login and sessions', () => {
  it('a wrong password or unknown user is refused the same way', async () => {
    for (const payload of [{ username: 'admin', password: 'wrong' }, { username: 'nobody', password: PASSWORD }]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/login', payload, remoteAddress: '10.0.0.9' })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ error: 'wrong username or password', code: 'WRONG_CREDENTIALS' })
    }
  })

  it('the session cookie is httpOnly and SameSite=Strict; the CSRF cookie is readable', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'head', password: PASSWORD } })
    expect(res.statusCode).toBe(200)
    const session = res.cookies.find((c) => c.name === 'cd_session')!
    const csrf = res.cookies.find((c) => c.name === 'cd_csrf')!
    expect(session.httpOnly).toBe(true)
    expect(session.sameSite).toBe('Strict')
    expect(csrf.httpOnly).toBeFalsy()
    expect(csrf.value).toBe(res.json().csrf)
    expect(res.json().user).toMatchObject({ username: 'head', role: 'head', officeId: 'hcc' })
    // The database holds only a hash of the token.
    const stored = t.db.prepare('SELECT token_hash FROM user_sessions').all() as Array<{ token_hash: string }>
    expect(stored.some((r) => r.token_hash === session.value)).toBe(false)
  })

  it('logout ends the session', async () => {
    const a = await t.login('viewer')
    expect((await a.request('GET', '/api/session')).statusCode).toBe(200)
    expect((await a.request('POST', '/api/logout')).statusCode).toBe(204)
    expect((await a.request('GET', '/api/session')).statusCode).toBe(401)
  })

  it('changing one\'s password needs the current one and ends the old sessions', async () => {
    await t.accounts.create({ username: 'pw', password: PASSWORD, role: 'viewer', officeId: null })
    const a = await t.login('pw')
    expect((await a.request('POST', '/api/password', { current: 'wrong', password: 'new password 1' })).statusCode).toBe(403)
    expect((await a.request('POST', '/api/password', { current: PASSWORD, password: 'new password 1' })).statusCode).toBe(204)
    expect((await a.request('GET', '/api/session')).statusCode).toBe(401)
    await t.login('pw', 'new password 1')
  })

  it('login is rate limited per address', async () => {
    const codes: number[] = []
    for (let i = 0; i < 11; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: 'guess' + i }, remoteAddress: '10.9.9.9' })
      codes.push(res.statusCode)
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true)
    expect(codes[10]).toBe(429)
    // Another address is not affected.
    expect((await t.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: PASSWORD }, remoteAddress: '10.9.9.10' })).statusCode).toBe(200)
  })

  it('login takes JSON only (no cross-site form posts)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=admin&password=${encodeURIComponent(PASSWORD)}`,
    })
    expect(res.statusCode).toBe(415)
  })
})

describe('CSRF', () => {
  it.each(CHANGES.filter(([, url]) => url !== '/api/logout'))('%s %s without the token -> 403', async (method, url, payload) => {
    const a = await t.login('admin')
    const res = await a.request(method, url, payload, { csrf: null })
    expect(res.statusCode).toBe(403)
    expect(res.json().error).toMatch(/CSRF/)
  })

  it('a wrong token or another origin is refused; the right one from our origin passes', async () => {
    const a = await t.login('admin')
    expect((await a.request('PUT', '/api/offices/hcc', { name: 'Trung tâm' }, { csrf: 'forged' })).statusCode).toBe(403)
    const cross = await a.request('PUT', '/api/offices/hcc', { name: 'Trung tâm' }, { headers: { origin: 'http://evil.example', host: 'gw.local' } })
    expect(cross.statusCode).toBe(403)
    const ok = await a.request('PUT', '/api/offices/hcc', { name: 'Trung tâm Phục vụ hành chính công' }, { headers: { origin: 'http://gw.local', host: 'gw.local' } })
    expect(ok.statusCode).toBe(204)
  })

  it("another session's token does not work", async () => {
    const a = await t.login('admin')
    const b = await t.login('admin')
    expect((await a.request('PUT', '/api/offices/hcc', { name: 'x' }, { csrf: b.csrf })).statusCode).toBe(403)
  })
})

describe('office scope and roles', () => {
  const OTHER_OFFICE_READS = [
    '/api/live?office=other',
    '/api/live/events?office=other',
    '/api/alerts?office=other',
    '/api/rejected?office=other',
    '/api/reports?from=2026-01-01&to=2026-01-31&by=officer&office=other',
    '/api/reports.csv?from=2026-01-01&to=2026-01-31&by=officer&office=other',
    '/api/reports/series?from=2026-01-01&to=2026-01-31&office=other',
    '/api/reports/quarterly?office=other&year=2026&quarter=1',
    '/api/reports.xlsx?period=2026-Q1&by=officer&office=other',
    '/api/reports/official?office=other&period=2026-Q1',
    '/api/counters?office=other',
    '/api/officers?office=other',
    '/api/shifts?office=other',
    '/api/boxes?office=other',
    '/api/duty?office=other',
  ]
  it.each(OTHER_OFFICE_READS)('a head reading %s -> 403', async (url) => {
    const head = await t.login('head')
    expect((await head.request('GET', url)).statusCode).toBe(403)
  })

  it.each(OTHER_OFFICE_READS)('an office-limited viewer reading %s -> 403', async (url) => {
    const viewer = await t.login('viewer')
    expect((await viewer.request('GET', url)).statusCode).toBe(403)
  })

  const OTHER_OFFICE_CHANGES: Array<[string, string, unknown]> = [
    ['PUT', '/api/offices/other', { name: 'x' }],
    ['PUT', '/api/counters/x1', { office: 'other', name: 'x' }],
    ['PUT', '/api/counters/q1', { office: 'other', name: 'moved away' }],
    ['PUT', '/api/officers/dung', { office: 'other', name: 'x' }],
    ['POST', '/api/shifts', { counter: 'x1', officer: 'dung', weekday: 1, from: '08:00', to: '12:00' }],
    ['PUT', '/api/shifts/week/x1', { shifts: [{ weekday: 1, officer: 'dung', from: '08:00', to: '12:00' }] }],
    ['POST', '/api/boxes', { id: 'box-new', counter: 'x1' }],
    ['POST', '/api/boxes', { id: 'box-x' }],
    ['POST', '/api/boxes', { id: 'box-loose' }],
    ['POST', '/api/boxes/box-x/move', { counter: 'q1' }],
    ['POST', '/api/boxes/box-1/move', { counter: 'x1' }],
    ['POST', '/api/boxes/box-x/retire', undefined],
    ['POST', '/api/duty/sign-in', { officer: 'dung', counter: 'x1' }],
    ['POST', '/api/duty/sign-out', { officer: 'dung' }],
    ['PUT', '/api/offices/new-office', { name: 'x' }],
  ]
  it.each(OTHER_OFFICE_CHANGES)('a head changing another office: %s %s -> 403', async (method, url, body) => {
    const head = await t.login('head')
    expect((await head.request(method, url, body)).statusCode).toBe(403)
  })

  it.each(CHANGES.filter(([, url]) => !['/api/logout', '/api/password'].includes(url)))('a viewer: %s %s -> 403', async (method, url, body) => {
    const viewer = await t.login('viewall')
    expect((await viewer.request(method, url, body)).statusCode).toBe(403)
  })

  it.each([
    ['GET', '/api/users', undefined],
    ['POST', '/api/users', { username: 'u2', password: 'pppppppppppp', role: 'viewer' }],
    ['PATCH', '/api/users/1', { role: 'viewer' }],
    ['POST', '/api/users/1/reset-password', undefined],
    ['DELETE', '/api/users/1', undefined],
    ['PUT', '/api/alert-settings', { frownShare: 0.5 }],
  ] as Array<[string, string, unknown]>)('a head: %s %s (admin only) -> 403', async (method, url, body) => {
    const head = await t.login('head')
    expect((await head.request(method, url, body)).statusCode).toBe(403)
  })

  it('/metrics from the network: admin yes, head no', async () => {
    const head = await t.login('head')
    const admin = await t.login('admin')
    const remote = { remoteAddress: '192.168.1.20' }
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: head.cookie }, ...remote })).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: admin.cookie }, ...remote })).statusCode).toBe(200)
  })
})

describe('errors', () => {
  it('a 5xx shows no internals', async () => {
    const app = await buildApp(
      {
        db: t.db,
        registry: t.registry,
        bus: t.bus,
        config: t.config,
        log: (await import('../../gateway/log.ts')).silentLogger(),
        alerts: t.gw.alerts!,
        reports: () => {
          throw new Error('SQLITE_CORRUPT: secret internals at /var/lib/chamdiem')
        },
      },
      { logger: false },
    )
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: PASSWORD } })
      const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
      const res = await app.inject({ method: 'GET', url: '/api/reports?from=2026-01-01&to=2026-01-31', headers: { cookie } })
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({ error: 'internal error', code: 'INTERNAL' })
      expect(res.body).not.toContain('SQLITE')
    } finally {
      await app.close()
    }
  })

  it('bad input is a 400 naming the problem', async () => {
    const a = await t.login('admin')
    const res = await a.request('GET', '/api/reports?from=yesterday&to=2026-01-31')
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/from/)
    expect((await a.request('GET', '/api/reports?from=2026-02-01&to=2026-01-31')).statusCode).toBe(400)
  })
})

describe('health', () => {
  it('reports the gateway health: degraded when an optional part failed, 503 when a core part is down', async () => {
    const { silentLogger } = await import('../../gateway/log.ts')
    let health: Record<string, unknown> = { ok: true, parts: [{ name: 'broker', state: 'running' }] }
    const app = await buildApp({ db: t.db, registry: t.registry, bus: t.bus, config: t.config, log: silentLogger(), alerts: t.gw.alerts!, health: () => health }, { logger: false })
    try {
      expect((await app.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ status: 'ok' })
      health = { ok: true, parts: [{ name: 'broker', state: 'running' }, { name: 'influx', state: 'failed' }] }
      const degraded = await app.inject({ method: 'GET', url: '/api/health' })
      expect(degraded.statusCode).toBe(200)
      expect(degraded.json().status).toBe('degraded')
      health = { ok: false, parts: [{ name: 'broker', state: 'failed' }] }
      const down = await app.inject({ method: 'GET', url: '/api/health' })
      expect(down.statusCode).toBe(503)
      expect(down.json().status).toBe('down')
    } finally {
      await app.close()
    }
  })
})
