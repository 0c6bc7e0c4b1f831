import { t, languageSwitch, lang } from './i18n.js'
import { h, api } from './dom.js'

function render() {
  document.documentElement.lang = lang()
  document.title = `${t('login')} — ${t('appName')}`
  const error = h('p', { class: 'error', id: 'login-error', role: 'alert' })
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true })
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (e) => {
        e.preventDefault()
        error.textContent = ''
        try {
          await api('POST', '/api/login', { username: user.value, password: pass.value })
          location.href = '/live'
        } catch (err) {
          error.textContent = err.status === 429 ? t('tooManyAttempts') : t('loginFailed')
        }
      },
    },
    h('h1', {}, t('appName')),
    h('label', { for: 'username' }, t('username')),
    user,
    h('label', { for: 'password' }, t('password')),
    pass,
    h('button', { type: 'submit', id: 'login-button' }, t('login')),
    error,
  )
  document.body.replaceChildren(h('main', { class: 'login-page' }, h('div', { class: 'lang-corner' }, languageSwitch(render)), form))
}

render()
