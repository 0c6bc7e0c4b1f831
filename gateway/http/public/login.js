// The login page, and at /password the page to change one's own password: where everyone can
// change theirs, and where a user whose password was printed (the first admin) or reset by an
// admin is sent before anything else works.
import { t, languageSwitch, lang, errorText } from './i18n.js'
import { h, api } from './dom.js'

const passwordMode = location.pathname === '/password'

function field(id, label, attrs) {
  return [h('label', { for: id }, label), h('input', { id, name: id, required: true, ...attrs })]
}

function loginForm() {
  const error = h('p', { class: 'error', id: 'login-error', role: 'alert' })
  const [userLabel, user] = field('username', t('username'), { autocomplete: 'username', autofocus: true })
  const [passLabel, pass] = field('password', t('password'), { type: 'password', autocomplete: 'current-password' })
  return h(
    'form',
    {
      class: 'login',
      onsubmit: async (e) => {
        e.preventDefault()
        error.textContent = ''
        try {
          const s = await api('POST', '/api/login', { username: user.value, password: pass.value })
          location.href = s.user.mustChangePassword ? '/password' : '/live'
        } catch (err) {
          error.textContent = errorText(err.status === 401 ? { status: 401, code: 'WRONG_CREDENTIALS' } : err)
        }
      },
    },
    h('h1', {}, t('appName')),
    userLabel,
    user,
    passLabel,
    pass,
    h('button', { type: 'submit', id: 'login-button' }, t('login')),
    error,
  )
}

function passwordForm(session) {
  const error = h('p', { class: 'error', id: 'password-error', role: 'alert' })
  const [curLabel, current] = field('current-password', t('currentPassword'), { type: 'password', autocomplete: 'current-password', autofocus: true })
  const [newLabel, next] = field('new-password', t('newPassword'), { type: 'password', autocomplete: 'new-password', minlength: 10 })
  const [repLabel, again] = field('repeat-password', t('repeatPassword'), { type: 'password', autocomplete: 'new-password', minlength: 10 })
  const forced = session.user.mustChangePassword
  return h(
    'form',
    {
      class: 'login',
      id: 'password-form',
      onsubmit: async (e) => {
        e.preventDefault()
        error.textContent = ''
        if (next.value !== again.value) {
          error.textContent = t('passwordsDiffer')
          again.focus()
          return
        }
        try {
          // Loaded only here: a logged-in page may load every module (login.html's may not).
          const { call } = await import('./admin-api.js')
          await call('POST', '/api/password', { current: current.value, password: next.value })
          location.href = '/live'
        } catch (err) {
          error.textContent = errorText(err)
        }
      },
    },
    h('h1', {}, t('changePassword')),
    h('p', { class: 'who-line' }, t('username'), ': ', h('strong', {}, session.user.username)),
    forced ? h('p', { class: 'must-change', id: 'must-change' }, t('mustChangePassword')) : null,
    curLabel,
    current,
    newLabel,
    next,
    repLabel,
    again,
    h('button', { type: 'submit', id: 'password-button' }, t('changePassword')),
    error,
    forced ? h('button', { type: 'button', class: 'link', onclick: logout }, t('logout')) : h('a', { href: '/live' }, t('backToDashboard')),
  )
}

async function logout() {
  await api('POST', '/api/logout')
  location.href = '/login'
}

let session = null
function render() {
  document.documentElement.lang = lang()
  document.title = `${t(passwordMode ? 'changePassword' : 'login')} — ${t('appName')}`
  const form = passwordMode && session ? passwordForm(session) : loginForm()
  document.body.replaceChildren(h('main', { class: 'login-page' }, h('div', { class: 'lang-corner' }, languageSwitch(render)), form))
}

async function main() {
  if (passwordMode) session = await api('GET', '/api/session')
  render()
}

main()
