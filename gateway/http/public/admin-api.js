// The admin and account pages' JSON requests: like dom.js api() (CSRF double submit, 401 back
// to login), but the error keeps the server's stable `code` and `params`, so the page can say
// what went wrong in the user's language (i18n.js errorText), and a session that must change
// its password is led to /password.
// TODO(merge): once dom.js's ApiError carries code and params, this can become dom.js api().

function cookie(name) {
  const m = document.cookie.split('; ').find((c) => c.startsWith(name + '='))
  return m ? decodeURIComponent(m.slice(name.length + 1)) : ''
}

export class RequestError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.code
    this.params = body?.params
  }
}

export async function call(method, url, body) {
  const headers = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = cookie('cd_csrf')
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (res.status === 401 && url !== '/api/login') location.href = '/login'
  if (res.status === 403 && data?.code === 'PASSWORD_CHANGE_REQUIRED' && location.pathname !== '/password') location.href = '/password'
  if (!res.ok) throw new RequestError(res.status, data)
  return data
}
