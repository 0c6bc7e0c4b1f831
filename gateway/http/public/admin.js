// Administration: offices, counters, officers, boxes (provision -> secret shown once, move,
// retire), duty, weekly shifts, users, alert thresholds. The server enforces every rule; the
// page only hides what the role cannot do.
import { t, fmt } from './i18n.js'
import { h, api, notice } from './dom.js'
import { windowPanel } from './windows.js' // issue 13

const TABS = ['offices', 'counters', 'officers', 'boxes', 'duty', 'shifts', 'users', 'alertSettings']

function table(headers, rows, id) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'admin', id }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows)))
}

/** A form of labelled fields; `fields` are [name, label, element]. */
function form(id, fields, submitLabel, onSubmit) {
  const els = Object.fromEntries(fields.map(([name, , el]) => [name, el]))
  return h(
    'form',
    {
      class: 'admin-form',
      id,
      onsubmit: async (e) => {
        e.preventDefault()
        const values = Object.fromEntries(Object.entries(els).map(([k, el]) => [k, el.type === 'checkbox' ? el.checked : el.value]))
        await run(() => onSubmit(values))
      },
    },
    fields.map(([name, label, el]) => h('label', {}, label, (el.name = name, el))),
    h('button', { type: 'submit' }, submitLabel),
  )
}

let refresh = () => {}
async function run(fn) {
  try {
    await fn()
    notice(t('saved'))
    refresh()
  } catch (err) {
    notice(`${t('error')}: ${err.message}`, 'error')
  }
}

const input = (attrs = {}) => h('input', { required: true, ...attrs })
const select = (options, attrs = {}) => h('select', attrs, options.map(([v, label]) => h('option', { value: v }, label)))

export function mount(el, { session }) {
  const user = session.user
  const isAdmin = user.role === 'admin'
  let tab = location.hash.slice(1)
  if (!TABS.includes(tab)) tab = 'counters'
  let stopped = false
  const body = h('div', { id: 'admin-body' })

  async function load() {
    const [offices, counters, officers] = await Promise.all([api('GET', '/api/offices'), api('GET', '/api/counters'), api('GET', '/api/officers')])
    return { offices: offices.offices, counters: counters.counters, officers: officers.officers }
  }

  const officeOptions = (d) => d.offices.map((o) => [o.id, o.name])
  const counterOptions = (d) => d.counters.map((c) => [c.id, `${c.name} (${c.id})`])
  const officerOptions = (d) => d.officers.filter((o) => o.active).map((o) => [o.id, `${o.name} (${o.id})`])
  const nameOf = (list, id) => list.find((x) => x.id === id)?.name ?? id ?? '—'

  const views = {
    async offices(d) {
      return [
        table([t('id'), t('name')], d.offices.map((o) => h('tr', {}, h('td', {}, o.id), h('td', {}, o.name))), 'offices-table'),
        form('office-form', [['id', t('id'), input({ pattern: '[A-Za-z0-9_.\\-]{1,64}' })], ['name', t('name'), input()]], t('save'), (v) => api('PUT', `/api/offices/${encodeURIComponent(v.id)}`, { name: v.name })),
      ]
    },
    async counters(d) {
      return [
        table([t('id'), t('name'), t('office')], d.counters.map((c) => h('tr', {}, h('td', {}, c.id), h('td', {}, c.name), h('td', {}, nameOf(d.offices, c.officeId)))), 'counters-table'),
        form(
          'counter-form',
          [['id', t('id'), input({ pattern: '[A-Za-z0-9_.\\-]{1,64}' })], ['name', t('name'), input()], ['office', t('office'), select(officeOptions(d))]],
          t('save'),
          (v) => api('PUT', `/api/counters/${encodeURIComponent(v.id)}`, { office: v.office, name: v.name }),
        ),
        windowPanel(d.counters), // issue 13: open a rating window at a counter (windows.js)
      ]
    },
    async officers(d) {
      return [
        table(
          [t('id'), t('name'), t('office'), t('active')],
          d.officers.map((o) =>
            h(
              'tr',
              {},
              h('td', {}, o.id),
              h('td', {}, o.name),
              h('td', {}, nameOf(d.offices, o.officeId)),
              h('td', {}, h('input', { type: 'checkbox', checked: o.active, 'aria-label': t('active'), onchange: (e) => run(() => api('PUT', `/api/officers/${o.id}`, { office: o.officeId, name: o.name, active: e.target.checked })) })),
            ),
          ),
          'officers-table',
        ),
        form(
          'officer-form',
          [['id', t('id'), input({ pattern: '[A-Za-z0-9_.\\-]{1,64}' })], ['name', t('name'), input()], ['office', t('office'), select(officeOptions(d))]],
          t('save'),
          (v) => api('PUT', `/api/officers/${encodeURIComponent(v.id)}`, { office: v.office, name: v.name }),
        ),
      ]
    },
    async boxes(d) {
      const { boxes } = await api('GET', '/api/boxes')
      const rows = boxes.map((b) => {
        const to = select(counterOptions(d), { 'aria-label': t('move') })
        return h(
          'tr',
          { dataset: { box: b.id } },
          h('td', {}, b.id),
          h('td', {}, nameOf(d.counters, b.counterId)),
          h('td', {}, b.retiredAt ? t('retired') : t(b.online ? 'online' : 'offline')),
          h('td', {}, b.lastSeenAt ? fmt.dateTime(b.lastSeenAt) : t('never')),
          h('td', {}, b.lastPressAt ? fmt.dateTime(b.lastPressAt) : t('never')),
          h(
            'td',
            {},
            b.retiredAt ? null : h('div', { class: 'actions' }, to, h('button', { class: 'secondary', onclick: () => run(() => api('POST', `/api/boxes/${b.id}/move`, { counter: to.value })) }, t('move')), h('button', { class: 'danger', onclick: () => confirm(t('confirmRetire', { box: b.id })) && run(() => api('POST', `/api/boxes/${b.id}/retire`)) }, t('retire'))),
          ),
        )
      })
      return [
        table([t('id'), t('counter'), t('state'), t('lastSeen'), t('lastPress'), ''], rows, 'boxes-table'),
        h('h3', {}, t('provision')),
        form('box-form', [['id', t('id'), input({ pattern: '[A-Za-z0-9_\\-]{1,64}' })], ['counter', t('counter'), select(counterOptions(d))]], t('provision'), async (v) => {
          const r = await api('POST', '/api/boxes', { id: v.id, counter: v.counter })
          // Shown once: the server keeps only a hash. Not re-rendered away by refresh().
          refreshKeep = h('p', { class: 'secret' }, t('secretOnce', { box: r.id }), h('br'), h('code', { id: 'new-secret' }, r.secret))
        }),
      ]
    },
    async duty(d) {
      const { sessions } = await api('GET', '/api/duty')
      return [
        table(
          [t('counter'), t('officer'), t('start'), t('end'), ''],
          sessions.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, nameOf(d.counters, s.counterId)),
              h('td', {}, s.officerId ? nameOf(d.officers, s.officerId) : '—'),
              h('td', {}, fmt.time(s.startMs)),
              h('td', {}, s.endMs ? fmt.time(s.endMs) : t('open')),
              h('td', {}, !s.endMs && s.officerId ? h('button', { class: 'secondary', onclick: () => run(() => api('POST', '/api/duty/sign-out', { officer: s.officerId })) }, t('signOut')) : null),
            ),
          ),
          'duty-table',
        ),
        form('duty-form', [['officer', t('officer'), select(officerOptions(d))], ['counter', t('counter'), select(counterOptions(d))]], t('signIn'), (v) => api('POST', '/api/duty/sign-in', v)),
      ]
    },
    async shifts(d) {
      const { shifts } = await api('GET', '/api/shifts')
      return [
        table(
          [t('weekday'), t('start'), t('end'), t('counter'), t('officer'), ''],
          shifts.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, t('day' + s.weekday)),
              h('td', {}, s.from),
              h('td', {}, s.to),
              h('td', {}, nameOf(d.counters, s.counterId)),
              h('td', {}, nameOf(d.officers, s.officerId)),
              h('td', {}, h('button', { class: 'danger', onclick: () => confirm(t('confirmRemove', { what: `${t('day' + s.weekday)} ${s.from}–${s.to}` })) && run(() => api('DELETE', `/api/shifts/${s.id}`)) }, t('remove'))),
            ),
          ),
          'shifts-table',
        ),
        form(
          'shift-form',
          [
            ['weekday', t('weekday'), select([1, 2, 3, 4, 5, 6, 7].map((n) => [n, t('day' + n)]))],
            ['from', t('start'), input({ type: 'time', value: '07:30' })],
            ['to', t('end'), input({ type: 'time', value: '11:30' })],
            ['counter', t('counter'), select(counterOptions(d))],
            ['officer', t('officer'), select(officerOptions(d))],
          ],
          t('add'),
          (v) => api('POST', '/api/shifts', { ...v, weekday: Number(v.weekday) }),
        ),
      ]
    },
    async users(d) {
      if (!isAdmin) return []
      const { users } = await api('GET', '/api/users')
      return [
        table(
          [t('username'), t('role'), t('office'), ''],
          users.map((u) =>
            h(
              'tr',
              { dataset: { user: u.username } },
              h('td', {}, u.username),
              h('td', {}, t('role_' + u.role)),
              h('td', {}, u.officeId ? nameOf(d.offices, u.officeId) : '—'),
              h('td', {}, u.id === user.id ? null : h('button', { class: 'danger', onclick: () => confirm(t('confirmRemove', { what: u.username })) && run(() => api('DELETE', `/api/users/${u.id}`)) }, t('remove'))),
            ),
          ),
          'users-table',
        ),
        form(
          'user-form',
          [
            ['username', t('username'), input({ pattern: '[A-Za-z0-9_.@\\-]{1,64}', autocomplete: 'off' })],
            ['password', t('password'), input({ type: 'password', minlength: 10, autocomplete: 'new-password' })],
            ['role', t('role'), select(['head', 'viewer', 'admin'].map((r) => [r, t('role_' + r)]))],
            ['officeId', t('office'), select([['', '—'], ...officeOptions(d)])],
          ],
          t('add'),
          (v) => api('POST', '/api/users', { ...v, officeId: v.officeId || null }),
        ),
      ]
    },
    async alertSettings() {
      const s = await api('GET', '/api/alert-settings')
      const fields = [
        ['frownWindowMin', input({ type: 'number', min: 5, max: 1440, value: s.frownWindowMin })],
        ['frownShare', input({ type: 'number', min: 0, max: 1, step: 0.05, value: s.frownShare })],
        ['frownMinCount', input({ type: 'number', min: 1, value: s.frownMinCount })],
        ['officeDays', input({ value: s.officeDays.join(','), pattern: '[1-7](,[1-7])*' })],
        ['officeFrom', input({ type: 'time', value: s.officeFrom })],
        ['officeTo', input({ type: 'time', value: s.officeTo })],
        ['rejectedWindowMin', input({ type: 'number', min: 1, value: s.rejectedWindowMin })],
      ]
      if (!isAdmin) fields.forEach(([, el]) => (el.disabled = true))
      return [
        form('alert-form', fields.map(([k, el]) => [k, t(k), el]), t('save'), (v) =>
          api('PUT', '/api/alert-settings', {
            ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'officeFrom' || k === 'officeTo' ? x : Number(x)])),
            officeDays: String(v.officeDays).split(',').map(Number),
          }),
        ),
      ]
    },
  }

  let refreshKeep = null
  refresh = async () => {
    const d = await load()
    const content = await views[tab](d)
    if (stopped) return
    body.replaceChildren(...content, refreshKeep ?? '')
    refreshKeep = null
  }
  const tabs = h(
    'nav',
    { class: 'tabs' },
    TABS.filter((x) => isAdmin || (x !== 'users' && x !== 'alertSettings')).map((x) =>
      h('a', { href: '#' + x, class: x === tab ? 'active' : '', dataset: { tab: x }, onclick: () => ((tab = x), setTimeout(() => mountTabs(), 0)) }, t(x)),
    ),
  )
  function mountTabs() {
    for (const a of tabs.children) a.className = a.dataset.tab === tab ? 'active' : ''
    refresh().catch((err) => notice(`${t('error')}: ${err.message}`, 'error'))
  }
  el.replaceChildren(h('h2', {}, t('admin')), tabs, body)
  mountTabs()
  return () => {
    stopped = true
  }
}
