// The province's dashboard shell: who is logged in, the navigation, the language switch and
// which view the address shows (/live, /ranking, /drill). Each view is a module with
// mount(el, ctx) returning an unmount function, as on the gateway's dashboard (app.js).
import { t, languageSwitch, setTimeZone, lang } from './i18n.js'
import { h, api } from './dom.js'
import './province-words.js'
import * as live from './province-live.js'
import * as ranking from './province-ranking.js'
import * as drill from './province-drill.js'

const VIEWS = { '/live': live, '/ranking': ranking, '/drill': drill }
let session
let unmount = () => {}

function header() {
  const u = session.user
  const link = (path, key) =>
    h(
      'a',
      {
        href: path,
        class: location.pathname === path ? 'active' : '',
        'aria-current': location.pathname === path ? 'page' : null,
      },
      t(key),
    )
  return [
    h('span', { class: 'brand' }, t('provinceApp')),
    h(
      'nav',
      { 'aria-label': t('provinceApp') },
      link('/live', 'live'),
      link('/ranking', 'ranking'),
      link('/drill', u.role === 'head' ? 'myCentre' : 'drill'),
    ),
    h(
      'span',
      { class: 'who' },
      languageSwitch(render),
      h(
        'span',
        { class: 'user', id: 'who', title: t('role_' + u.role) },
        `${u.username} (${t('role_' + u.role)})`,
      ),
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
  document.title = t('provinceApp')
  unmount()
  const view = VIEWS[location.pathname] ?? live
  document.getElementById('top').replaceChildren(...header())
  const el = document.getElementById('view')
  el.replaceChildren()
  el.className = 'view-' + location.pathname.slice(1)
  unmount = view.mount(el, { session }) ?? (() => {})
}

async function main() {
  session = await api('GET', '/api/session')
  setTimeZone(session.timezone)
  render()
}

main()
