/**
 * Accounts through the API: the first admin's printed password and a password an admin reset
 * work for one thing only, changing them; one's own password change; and every error answer
 * carrying a stable code that the page has a Vietnamese and an English text for.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, PASSWORD } from './app-helper.ts'
import { ERROR_CODES } from '../../gateway/http/error-codes.ts'

// The page's own dictionary: a plain ES module without types, loaded as the browser does.
const I18N: string = '../../gateway/http/public/i18n.js'
const { ERROR_TEXTS } = (await import(I18N)) as { ERROR_TEXTS: Record<'vi' | 'en', Record<string, string>> }

function cookiesOf(res: { cookies: Array<{ name: string; value: string }> }) {
  return res.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`).join('; ')
}

describe('a password someone else has seen must be changed first', () => {
  it('the first admin: only session, password and logout answer until the printed password is changed', async () => {
    const t = await startTestApp({ users: [] })
    const printed = t.firstAdmin!.password
    const a = await t.login('admin', printed)
    expect((await a.request('GET', '/api/session')).json().user).toMatchObject({ username: 'admin', mustChangePassword: true })
    for (const url of ['/api/live', '/api/users', '/api/boxes', '/api/shifts']) {
      const res = await a.request('GET', url)
      expect(res.statusCode, url).toBe(403)
      expect(res.json(), url).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED' })
    }
    expect((await a.request('PUT', '/api/offices/hcc', { name: 'x' })).json().code).toBe('PASSWORD_CHANGE_REQUIRED')
    // Pages lead to the password page, which answers.
    for (const page of ['/live', '/admin', '/reports']) {
      const res = await a.request('GET', page)
      expect(res.statusCode, page).toBe(302)
      expect(res.headers.location).toBe('/password')
    }
    const form = await a.request('GET', '/password')
    expect(form.statusCode).toBe(200)
    expect(form.headers['content-type']).toMatch(/text\/html/)
    expect(form.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(form.body).toContain('/static/login.js')

    expect((await a.request('POST', '/api/password', { current: printed, password: printed })).json().code).toBe('PASSWORD_UNCHANGED')
    expect((await a.request('POST', '/api/password', { current: 'wrong one', password: 'my own long password' })).json().code).toBe('WRONG_CURRENT_PASSWORD')
    const changed = await a.request('POST', '/api/password', { current: printed, password: 'my own long password' })
    expect(changed.statusCode).toBe(204)
    // The old cookie is dead; the new one this browser got works for everything.
    expect((await a.request('GET', '/api/live')).statusCode).toBe(401)
    const cookie = cookiesOf(changed)
    const live = await t.app.inject({ method: 'GET', url: '/api/live', headers: { cookie } })
    expect(live.statusCode).toBe(200)
    const session = await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })
    expect(session.json().user.mustChangePassword).toBe(false)
    await expect(t.login('admin', printed)).rejects.toThrow(/401/)
    await t.login('admin', 'my own long password')
  })

  it('an admin resets a user\'s password: a one-time password, shown once; the user must change it', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const head = await t.login('head')
    const headId = t.accounts.list().find((u) => u.username === 'head')!.id
    const adminId = t.accounts.list().find((u) => u.username === 'admin')!.id

    expect((await head.request('POST', `/api/users/${adminId}/reset-password`)).json().code).toBe('ROLE_NOT_ALLOWED')
    expect((await admin.request('POST', `/api/users/${adminId}/reset-password`)).json().code).toBe('RESET_OWN_PASSWORD')
    expect((await admin.request('POST', '/api/users/9999/reset-password')).json().code).toBe('USER_NOT_FOUND')

    const reset = await admin.request('POST', `/api/users/${headId}/reset-password`)
    expect(reset.statusCode).toBe(200)
    expect(reset.headers['cache-control']).toBe('no-store')
    const { username, password } = reset.json()
    expect(username).toBe('head')
    expect(password.length).toBeGreaterThanOrEqual(20)
    // The head's session ended; the old password no longer works.
    expect((await head.request('GET', '/api/session')).statusCode).toBe(401)
    await expect(t.login('head', PASSWORD)).rejects.toThrow(/401/)
    expect((await admin.request('GET', '/api/users')).json().users.find((u: { username: string }) => u.username === 'head')).toMatchObject({ mustChangePassword: true })
    // The stored hash is not the password.
    expect(JSON.stringify(t.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(headId))).not.toContain(password)

    const again = await t.login('head', password)
    expect((await again.request('GET', '/api/duty')).json().code).toBe('PASSWORD_CHANGE_REQUIRED')
    expect((await again.request('POST', '/api/password', { current: password, password: 'head chose this one' })).statusCode).toBe(204)
    const fresh = await t.login('head', 'head chose this one')
    expect((await fresh.request('GET', '/api/duty')).statusCode).toBe(200)
  })

  it('a password an admin sets for someone else must be changed too; one\'s own change is final', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const viewerId = t.accounts.list().find((u) => u.username === 'viewer')!.id
    expect((await admin.request('PATCH', `/api/users/${viewerId}`, { password: 'admin knows this one' })).json().mustChangePassword).toBe(true)
    const own = await t.login('viewall')
    expect((await own.request('POST', '/api/password', { current: PASSWORD, password: 'viewall changed it' })).statusCode).toBe(204)
    const v = await t.login('viewall', 'viewall changed it')
    expect((await v.request('GET', '/api/live')).statusCode).toBe(200)
  })
})

describe('error answers carry a stable code the page translates', () => {
  it('every code has a Vietnamese and an English text', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_TEXTS.vi[code], code).toBeTruthy()
      expect(ERROR_TEXTS.en[code], code).toBeTruthy()
    }
  })

  it('codes and params for what went wrong', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const head = await t.login('head')
    const viewer = await t.login('viewer')
    const cases: Array<[Promise<{ statusCode: number; json(): unknown }>, number, object]> = [
      [admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'nope' }), 404, { code: 'UNKNOWN_COUNTER', params: { id: 'nope' } }],
      [admin.request('POST', '/api/duty/sign-in', { officer: 'dung', counter: 'q1' }), 400, { code: 'OFFICER_OTHER_OFFICE', params: { officer: 'dung', counter: 'q1' } }],
      [admin.request('POST', '/api/duty/sign-out', { officer: 'cuong' }), 409, { code: 'NOT_ON_DUTY', params: { officer: 'cuong' } }],
      [admin.request('POST', '/api/users', { username: 'x', password: 'short', role: 'viewer' }), 400, { code: 'INVALID_REQUEST', params: { field: '/password' } }],
      [admin.request('POST', '/api/users', { username: 'head', password: 'long enough pw', role: 'viewer' }), 409, { code: 'USER_EXISTS' }],
      [admin.request('POST', '/api/users', { username: 'h9', password: 'long enough pw', role: 'head' }), 400, { code: 'HEAD_NEEDS_OFFICE' }],
      [head.request('GET', '/api/live?office=other'), 403, { code: 'OTHER_OFFICE' }],
      [head.request('PUT', '/api/offices/new-one', { name: 'Mới' }), 403, { code: 'ADMIN_ONLY' }],
      [viewer.request('PUT', '/api/alert-settings', {}), 403, { code: 'ROLE_NOT_ALLOWED' }],
      [admin.request('PUT', '/api/offices/hcc', { name: 'x' }, { csrf: null }), 403, { code: 'CSRF' }],
      [admin.request('GET', '/api/no-such-thing'), 404, { code: 'NOT_FOUND' }],
      [admin.request('DELETE', '/api/shifts/4242'), 404, { code: 'UNKNOWN_SHIFT' }],
    ]
    for (const [pending, status, body] of cases) {
      const res = await pending
      expect(res.statusCode, JSON.stringify(body)).toBe(status)
      expect(res.json()).toMatchObject(body)
      expect(ERROR_CODES).toContain((res.json() as { code: string }).code)
    }
  })
})
