// The dashboard shell: who is logged in, the navigation, the language switch, and which view
// the address shows (/live, /reports, /alerts, /print, /admin, /audit, /displays; an officer only /me). Each view is a module with
// mount(el, ctx) returning an unmount function.
import { t, languageSwitch, setTimeZone, lang } from './i18n.js'
import { h, api } from './dom.js'
import * as live from './live.js'
import * as reports from './reports.js'
import * as print from './print.js'
import * as admin from './admin.js'
import * as alerts from './alerts.js'
import * as audit from './audit.js'
import * as me from './me.js'
import * as displays from './displays.js'

const VIEWS = { '/live': live, '/reports': reports, '/print': print, '/admin': admin, '/alerts': alerts, '/audit': audit, '/me': me, '/displays': displays }
let session
let unmount = () => {}

function navigate(path) {
  history.pushState(null, '', path)
  render()
}

function header() {
  const u = session.user
  const link = (path, key) =>
    h('a', { href: path, class: location.pathname === path ? 'active' : '', onclick: (e) => (e.preventDefault(), navigate(path)) }, t(key))
  return [
    h('span', { class: 'brand' }, t('appName')),
    u.role === 'officer'
      ? h('nav', {}, link('/me', 'myResults'))
      : h(
          'nav',
          {},
          link('/live', 'live'),
          link('/reports', 'reports'),
          link('/alerts', 'alerts'),
          u.role !== 'viewer' ? link('/admin', 'admin') : null,
          u.role !== 'viewer' ? link('/audit', 'audit') : null,
          u.role === 'admin' ? link('/displays', 'displays') : null,
        ),
    h(
      'span',
      { class: 'who' },
      languageSwitch(render),
      h('span', { class: 'user', title: t('role_' + u.role) }, u.username),
      h(
        'button',
        {
          id: 'logout',
          class: 'link',
          onclick: async () => {
            await api('POST', '/api/logout')
            location.href = '/login'
          },
        },
        t('logout'),
      ),
    ),
  ]
}

function render() {
  document.documentElement.lang = lang()
  document.title = t('appName')
  unmount()
  // An officer has one page: every other API refuses them.
  if (session.user.role === 'officer' && location.pathname !== '/me') history.replaceState(null, '', '/me')
  const view = VIEWS[location.pathname] ?? live
  document.getElementById('top').replaceChildren(...header())
  const el = document.getElementById('view')
  el.replaceChildren()
  el.className = 'view-' + (location.pathname.slice(1) || 'live')
  unmount = view.mount(el, { session, navigate }) ?? (() => {})
}

async function main() {
  session = await api('GET', '/api/session')
  setTimeZone(session.timezone)
  window.addEventListener('popstate', render)
  render()
}

main()
