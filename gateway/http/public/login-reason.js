// Says on the login page why the user landed there (?reason=expired: the dashboard found the
// session ended, by expiry, logout elsewhere or a password change). The login form is drawn
// by login.js, which redraws the page on a language switch: the line is put back each time.
import { t } from './i18n.js'

const reason = new URLSearchParams(location.search).get('reason')

function show() {
  if (reason !== 'expired' || document.getElementById('login-reason')) return
  const form = document.querySelector('form.login')
  if (!form) return
  const p = document.createElement('p')
  p.id = 'login-reason'
  p.className = 'error'
  p.setAttribute('role', 'alert')
  p.textContent = t('sessionExpired')
  form.querySelector('h1')?.after(p)
}

show()
new MutationObserver(show).observe(document.body, { childList: true })
