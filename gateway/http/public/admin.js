// Administration: offices, counters, officers, boxes, duty, the weekly shift grid, users and
// alert thresholds, one tab each (a module per section). The server enforces every rule; the
// page only hides what the role cannot do, and says in the user's language why a change was
// refused (the server's error code, i18n.js errorText).
import { t, errorText } from './i18n.js'
import { h, notice } from './dom.js'
import { call } from './admin-api.js'
import { registryViews } from './admin-registry.js'
import { boxViews } from './admin-boxes.js'
import { shiftViews } from './admin-shifts.js'
import { userViews } from './admin-users.js'

const TABS = ['offices', 'counters', 'officers', 'boxes', 'duty', 'shifts', 'users', 'alertSettings']
const ADMIN_ONLY = new Set(['users', 'alertSettings'])
const VIEWS = { ...registryViews, ...boxViews, ...shiftViews, ...userViews }

async function load() {
  const [offices, counters, officers] = await Promise.all([call('GET', '/api/offices'), call('GET', '/api/counters'), call('GET', '/api/officers')])
  return { offices: offices.offices, counters: counters.counters, officers: officers.officers }
}

export function mount(el, { session }) {
  const user = session.user
  const isAdmin = user.role === 'admin'
  const tabs = TABS.filter((x) => isAdmin || !ADMIN_ONLY.has(x))
  let tab = location.hash.slice(1)
  if (!tabs.includes(tab)) tab = 'counters'
  let stopped = false
  const body = h('div', { id: 'admin-body' })

  const ctx = {
    user,
    isAdmin,
    d: { offices: [], counters: [], officers: [] },
    /** Something to show once after the next refresh (a secret), and what to do with it. */
    after: null,
    nameOf: (kind, id) => {
      const list = kind === 'officer' ? ctx.d.officers : kind === 'counter' ? ctx.d.counters : null
      return list?.find((x) => x.id === id)?.name ?? id
    },
    async refresh() {
      ctx.d = await load()
      const content = await VIEWS[tab](ctx)
      if (stopped) return
      body.replaceChildren(...content)
      const after = ctx.after
      ctx.after = null
      after?.(body)
    },
  }

  const nav = h(
    'nav',
    { class: 'tabs', 'aria-label': t('admin') },
    tabs.map((x) =>
      h('a', { href: '#' + x, class: x === tab ? 'active' : '', 'aria-current': x === tab ? 'page' : null, dataset: { tab: x }, onclick: () => ((tab = x), setTimeout(show, 0)) }, t(x)),
    ),
  )
  function show() {
    for (const a of nav.children) {
      a.className = a.dataset.tab === tab ? 'active' : ''
      if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page')
      else a.removeAttribute('aria-current')
    }
    ctx.refresh().catch((err) => notice(`${t('error')}: ${errorText(err)}`, 'error'))
  }
  const account = h('p', { class: 'account-line' }, h('a', { href: '/password', id: 'change-password' }, t('changePassword')))
  el.replaceChildren(h('div', { class: 'admin-head' }, h('h1', {}, t('admin')), account), nav, body)
  show()
  return () => {
    stopped = true
  }
}
