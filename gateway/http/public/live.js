// The live view: today's ratings per officer and per counter, who is on duty, box state,
// alerts. One snapshot from /api/live, then every press arrives over server-sent events and is
// added here; a `refresh` event (duty, boxes, officers changed) fetches a new snapshot.
import { t, fmt } from './i18n.js'
import { h, api, notice } from './dom.js'

const RATINGS = ['positive', 'neutral', 'negative']
const FACES = { positive: '😊', neutral: '😐', negative: '☹️' }

export const figures = (c) => {
  const total = c.positive + c.neutral + c.negative
  return {
    total,
    satisfaction: total ? (c.positive + c.neutral) / total : null,
    index: total ? (100 * c.positive + 50 * c.neutral) / total : null,
  }
}

export function mount(el, { session }) {
  const user = session.user
  const global = !user.officeId || user.role === 'admin'
  let office = global ? (localStorage.getItem('chamdiem.office') ?? '') : user.officeId
  let snap = null
  let offices = []
  const choices = new Map()
  let alerts = []
  let buffered = []
  let source = null
  let frame = 0
  let stopped = false

  const schedule = () => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      // Do not pull a drop-down away from someone choosing an officer: render once they are done.
      if (document.activeElement?.matches?.('select.duty-officer, select#office')) {
        document.activeElement.addEventListener('blur', schedule, { once: true })
        return
      }
      render()
    })
  }

  async function load() {
    const q = office ? `?office=${encodeURIComponent(office)}` : ''
    const data = await api('GET', '/api/live' + q)
    if (global && offices.length === 0) offices = (await api('GET', '/api/offices')).offices
    if (stopped) return
    snap = data
    alerts = data.alerts
    const pending = buffered
    buffered = []
    for (const p of pending) apply(p)
    schedule()
  }

  function connect() {
    source?.close()
    const q = office ? `?office=${encodeURIComponent(office)}` : ''
    source = new EventSource('/api/live/events' + q)
    source.addEventListener('presses', (e) => {
      for (const p of JSON.parse(e.data)) {
        if (snap) apply(p)
        else buffered.push(p)
      }
      schedule()
    })
    source.addEventListener('box', (e) => {
      const s = JSON.parse(e.data)
      for (const c of snap?.counters ?? []) for (const b of c.boxes) if (b.id === s.boxId) b.state = s.state
      schedule()
    })
    source.addEventListener('alerts', (e) => {
      alerts = JSON.parse(e.data)
      schedule()
    })
    source.addEventListener('refresh', () => load())
    // The browser retries a dropped stream by itself, but gives up on an HTTP error (the
    // session expired: api() then goes to the login page; otherwise retry shortly).
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED || stopped) return
      api('GET', '/api/session').then(() => setTimeout(() => !stopped && (connect(), load()), 2000), () => {})
    })
    // After a dropped connection the browser reconnects by itself; presses sent meanwhile
    // would be missed, so take a fresh snapshot.
    source.addEventListener('hello', () => snap && load())
  }

  /** Adds one press to the snapshot (the server sent it once; ids below the snapshot's are in it). */
  function apply(p) {
    if (p.id <= snap.lastPressId || p.repeat || p.timeMs < snap.dayStart || p.timeMs >= snap.dayEnd) return
    snap.lastPressId = Math.max(snap.lastPressId, p.id)
    let row = snap.officers.find((o) => o.officerId === p.officerId && o.officeId === p.officeId)
    if (!row) {
      row = { officerId: p.officerId, name: null, officeId: p.officeId, counts: { positive: 0, neutral: 0, negative: 0 }, lastPressAt: null }
      snap.officers.push(row)
      if (p.officerId) load() // a new officer's name: fetch a fresh snapshot
    }
    row.counts[p.rating]++
    row.lastPressAt = Math.max(row.lastPressAt ?? 0, p.timeMs)
    const c = snap.counters.find((x) => x.id === p.counterId)
    if (c) {
      c.counts[p.rating]++
      c.lastPressAt = Math.max(c.lastPressAt ?? 0, p.timeMs)
      const b = c.boxes.find((x) => x.id === p.boxId)
      if (b) b.lastPressAt = Math.max(b.lastPressAt ?? 0, p.timeMs)
    }
  }

  const counterName = (id) => snap?.counters.find((c) => c.id === id)?.name ?? id ?? '—'
  const canManage = (officeId) => user.role === 'admin' || (user.role === 'head' && user.officeId === officeId)

  function alertText(a) {
    if (a.kind === 'frowns') return t('alertFrowns', { counter: counterName(a.counterId), negative: a.negative, total: a.total, window: a.windowMin })
    if (a.kind === 'boxOffline') return t('alertBoxOffline', { box: a.boxId, counter: counterName(a.counterId) })
    if (a.kind === 'system') return t('alertSystem_' + a.condition, { source: a.source ?? '—', minutes: Math.round(Math.abs(a.byMs ?? 0) / 60000), direction: t((a.byMs ?? 0) < 0 ? 'clockBack' : 'clockAhead'), free: a.freeMB, min: a.minFreeMB, message: a.message })
    if (a.kind === 'burst') return t('alertBurst', { count: a.count, box: a.boxId, counter: counterName(a.counterId), officer: a.officerId ?? '—' })
    return t('alertRejected', { count: a.count, box: a.boxId ?? '?', reason: a.lastReason })
  }

  function countsCells(c) {
    const f = figures(c)
    return [
      ...RATINGS.map((r) => h('td', { class: 'n ' + r, dataset: { rating: r } }, fmt.int(c[r]))),
      h('td', { class: 'n total', dataset: { rating: 'total' } }, fmt.int(f.total)),
      h('td', { class: 'n', dataset: { field: 'satisfaction' } }, fmt.pct(f.satisfaction)),
      h('td', { class: 'n', dataset: { field: 'index' } }, fmt.num1(f.index)),
    ]
  }

  function counterCard(c) {
    const officers = snap.officers.filter((o) => o.officerId && o.officeId === c.officeId)
    // The page re-renders on every press: keep what the user picked across renders.
    const picked = choices.get(c.id) ?? ''
    const pick = h(
      'select',
      { class: 'duty-officer', 'aria-label': t('chooseOfficer'), onchange: (e) => choices.set(c.id, e.target.value) },
      h('option', { value: '' }, t('chooseOfficer')),
      officers.map((o) => h('option', { value: o.officerId, selected: o.officerId === picked }, o.name ?? o.officerId)),
    )
    const act = async (fn) => {
      try {
        await fn()
        choices.delete(c.id)
        await load()
      } catch (err) {
        notice(`${t('error')}: ${err.message}`, 'error')
      }
    }
    return h(
      'article',
      { class: 'counter', dataset: { counter: c.id } },
      h('h3', {}, c.name),
      h('p', { class: 'on-duty', dataset: { officer: c.officerId ?? '' } }, c.officerId ? `${t('onDuty')}: ${c.officerName}` : t('nobodyOnDuty')),
      c.boxes.length === 0
        ? h('p', { class: 'box muted' }, t('noBox'))
        : c.boxes.map((b) =>
            h('p', { class: 'box ' + b.state, dataset: { box: b.id, state: b.state } }, h('span', { class: 'dot' }), `${b.id}: ${t(b.state)} · ${t('lastPress')}: ${fmt.time(b.lastPressAt)}`),
          ),
      h('p', { class: 'faces' }, RATINGS.map((r) => h('span', { class: r, dataset: { rating: r } }, `${FACES[r]} ${fmt.int(c.counts[r])}`))),
      canManage(c.officeId)
        ? h(
            'div',
            { class: 'duty' },
            pick,
            h('button', { class: 'sign-in', onclick: () => pick.value && act(() => api('POST', '/api/duty/sign-in', { officer: pick.value, counter: c.id })) }, t('signIn')),
            c.officerId ? h('button', { class: 'sign-out secondary', onclick: () => act(() => api('POST', '/api/duty/sign-out', { officer: c.officerId })) }, t('signOut')) : null,
          )
        : null,
    )
  }

  function render() {
    if (stopped || !snap) return
    const officeSelect = global
      ? h(
          'select',
          {
            id: 'office',
            'aria-label': t('office'),
            onchange: (e) => {
              office = e.target.value
              localStorage.setItem('chamdiem.office', office)
              snap = null
              connect()
              load()
            },
          },
          h('option', { value: '' }, t('allOffices')),
          offices.map((o) => h('option', { value: o.id, selected: o.id === office }, o.name)),
        )
      : null
    const total = snap.officers.reduce((acc, o) => (RATINGS.forEach((r) => (acc[r] += o.counts[r])), acc), { positive: 0, neutral: 0, negative: 0 })
    el.replaceChildren(
      h('div', { class: 'toolbar' }, h('h2', {}, `${t('today')}, ${fmt.isoDate(snap.date)}`), officeSelect),
      h(
        'section',
        { class: 'alerts', id: 'alerts', 'aria-live': 'polite' },
        h('h2', {}, t('alerts')),
        alerts.length === 0 ? h('p', { class: 'muted' }, t('noAlerts')) : h('ul', {}, alerts.map((a) => h('li', { class: 'alert ' + a.kind, dataset: { kind: a.kind } }, alertText(a)))),
      ),
      h(
        'section',
        {},
        h('div', { class: 'table-wrap' },
          h(
            'table',
            { class: 'live', id: 'live-officers' },
            h('thead', {}, h('tr', {}, h('th', {}, t('officer')), RATINGS.map((r) => h('th', { class: 'n ' + r, title: t(r) }, FACES[r], h('span', { class: 'label' }, ' ' + t(r)))), h('th', { class: 'n' }, t('total')), h('th', { class: 'n' }, t('satisfaction')), h('th', { class: 'n' }, t('index')), h('th', { class: 'wide' }, t('lastPress')))),
            h(
              'tbody',
              {},
              snap.officers.map((o) =>
                h(
                  'tr',
                  { dataset: { officer: o.officerId ?? '', office: o.officeId ?? '' } },
                  h('th', { scope: 'row' }, o.officerId ? (o.name ?? o.officerId) : h('em', {}, t('unattributed')), global && !office && offices.length > 1 ? h('small', {}, ' · ' + (snap.offices.find((x) => x.id === o.officeId)?.name ?? '')) : null),
                  countsCells(o.counts),
                  h('td', { class: 'wide' }, fmt.time(o.lastPressAt)),
                ),
              ),
            ),
            h('tfoot', {}, h('tr', { dataset: { officer: '*total*' } }, h('th', {}, t('total')), countsCells(total), h('td', { class: 'wide' }))),
          ),
        ),
      ),
      h('section', { class: 'counters', id: 'counters' }, snap.counters.map(counterCard)),
    )
  }

  connect()
  load().catch((err) => notice(`${t('error')}: ${err.message}`, 'error'))
  // At local midnight "today" starts again.
  const midnight = setInterval(() => snap && Date.now() >= snap.dayEnd && load(), 30_000)
  return () => {
    stopped = true
    source?.close()
    clearInterval(midnight)
    cancelAnimationFrame(frame)
  }
}
