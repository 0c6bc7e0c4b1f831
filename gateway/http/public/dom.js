// Tiny DOM and API helpers. Text always goes in as text nodes (names come from the database),
// never as HTML.

/** h('td', { class: 'n', dataset: { rating: 'positive' } }, 'text', child...) */
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'rect', 'line', 'polyline', 'text', 'g', 'title', 'circle', 'path'].includes(tag)
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'value' && !svg) el.value = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

function cookie(name) {
  const m = document.cookie.split('; ').find((c) => c.startsWith(name + '='))
  return m ? decodeURIComponent(m.slice(name.length + 1)) : ''
}

/** An API refusal: the HTTP status, the server's stable `code` and its `params` (i18n.js errorText). */
export class ApiError extends Error {
  constructor(status, message, code, params) {
    super(message)
    this.status = status
    this.code = code
    this.params = params
  }
}

/**
 * JSON request; changes carry the CSRF token (double submit). 401 goes back to the login page,
 * which says why (login-reason.js): the session expired or was ended elsewhere.
 */
export async function api(method, url, body) {
  const headers = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = cookie('cd_csrf')
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  if (res.status === 401 && url !== '/api/login') {
    location.href = '/login?reason=expired'
    throw new ApiError(401, 'login required')
  }
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    // a proxy's HTML error page: the status says enough
  }
  // A printed or reset password must be changed before anything else works.
  if (res.status === 403 && data?.code === 'PASSWORD_CHANGE_REQUIRED' && location.pathname !== '/password') location.href = '/password'
  if (!res.ok) throw new ApiError(res.status, data?.error ?? res.statusText, data?.code, data?.params)
  return data
}

/** A small message line for the results of actions. */
export function notice(text, kind = 'info') {
  let box = document.getElementById('notice')
  if (!box) {
    box = h('div', { id: 'notice', role: 'status' })
    document.body.append(box)
  }
  box.className = kind
  box.textContent = text
  clearTimeout(notice.timer)
  notice.timer = setTimeout(() => (box.textContent = ''), 6000)
}
