// Alerts: the alerts that hold now and those of any period, each with its time, counter,
// officer and figures, its state and its history; heads (their office) and admins acknowledge
// with a comment. The server decides who may acknowledge; the page only hides what would be
// refused. Words of this page live here (WORDS) beside the shared ones of i18n.js.
import { t, fmt, lang, errorText, systemAlertText, tamperingAlertText } from './i18n.js'
import { h, api, notice } from './dom.js'

const WORDS = {
  vi: {
    title: 'Cảnh báo',
    stateActive: 'Đang diễn ra',
    state_open: 'Chưa xác nhận',
    state_acknowledged: 'Đã xác nhận',
    state_resolved: 'Đã hết',
    stateAll: 'Tất cả',
    state: 'Trạng thái',
    from: 'Từ ngày',
    to: 'Đến ngày',
    show: 'Xem',
    raisedAt: 'Thời điểm',
    what: 'Nội dung',
    counter: 'Quầy',
    officer: 'Cán bộ',
    ack: 'Xác nhận',
    comment: 'Ghi chú (bắt buộc)',
    ackBy: '{user} xác nhận lúc {at}: {comment}',
    ackDone: 'Đã xác nhận cảnh báo #{id}',
    history: 'Lịch sử',
    ev_raised: 'Phát sinh',
    ev_acknowledged: 'Xác nhận',
    ev_resolved: 'Hết',
    none: 'Không có cảnh báo',
    noOfficer: 'không có cán bộ trực',
  },
  en: {
    title: 'Alerts',
    stateActive: 'Current',
    state_open: 'Not acknowledged',
    state_acknowledged: 'Acknowledged',
    state_resolved: 'Resolved',
    stateAll: 'All',
    state: 'State',
    from: 'From',
    to: 'To',
    show: 'Show',
    raisedAt: 'Raised',
    what: 'Alert',
    counter: 'Counter',
    officer: 'Officer',
    ack: 'Acknowledge',
    comment: 'Comment (required)',
    ackBy: '{user} acknowledged at {at}: {comment}',
    ackDone: 'Alert #{id} acknowledged',
    history: 'History',
    ev_raised: 'Raised',
    ev_acknowledged: 'Acknowledged',
    ev_resolved: 'Resolved',
    none: 'No alerts',
    noOfficer: 'no officer on duty',
  },
}

function w(key, vars = {}) {
  const text = WORDS[lang()][key] ?? WORDS.vi[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])))
}

export function mount(el, { session }) {
  const user = session.user
  const params = new URLSearchParams(location.search)
  const state = { state: params.get('state') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' }
  const names = { counters: new Map(), officers: new Map() }
  let stopped = false
  const results = h('div', { id: 'alerts-results' })

  const canAck = (a) => user.role === 'admin' || (user.role === 'head' && a.officeId !== null && a.officeId === user.officeId)
  const counterName = (id) => (id ? (names.counters.get(id) ?? id) : '—')
  const officerName = (id) => (id ? (names.officers.get(id) ?? id) : w('noOfficer'))

  function alertText(a) {
    if (a.kind === 'frowns') return t('alertFrowns', { counter: counterName(a.counterId), negative: a.negative, total: a.total, window: a.windowMin }) + ` (${fmt.pct(a.share)})`
    if (a.kind === 'boxOffline') return t('alertBoxOffline', { box: a.boxId, counter: counterName(a.counterId) })
    if (a.kind === 'system') return systemAlertText(a)
    if (a.kind === 'tampering') return tamperingAlertText(a, counterName)
    if (a.kind === 'burst') return t('alertBurst', { count: a.count, box: a.boxId, counter: counterName(a.counterId), officer: officerName(a.officerId) })
    return t('alertRejected', { count: a.count, box: a.boxId ?? '?', reason: a.lastReason })
  }

  function ackForm(a) {
    const comment = h('input', { name: 'comment', required: true, maxlength: 2000, 'aria-label': w('comment'), placeholder: w('comment') })
    return h(
      'form',
      {
        class: 'ack-form',
        onsubmit: async (e) => {
          e.preventDefault()
          try {
            await api('POST', `/api/alerts/${a.id}/ack`, { comment: comment.value })
            notice(w('ackDone', { id: a.id }))
            await show()
          } catch (err) {
            notice(`${t('error')}: ${errorText(err)}`, 'error')
          }
        },
      },
      comment,
      h('button', { type: 'submit' }, w('ack')),
    )
  }

  function row(a) {
    const acked = a.acknowledgedBy ? h('p', { class: 'ack' }, w('ackBy', { user: a.acknowledgedBy, at: fmt.dateTime(a.acknowledgedAt), comment: a.comment })) : null
    const history = a.history?.length
      ? h('details', {}, h('summary', {}, w('history')), h('ol', { class: 'history' }, a.history.map((e) => h('li', {}, `${fmt.dateTime(e.at)} — ${w('ev_' + e.event)}${e.user ? ` (${e.user})` : ''}${e.comment ? `: ${e.comment}` : ''}`))))
      : null
    return h(
      'tr',
      { class: 'alert ' + a.kind, dataset: { id: a.id, state: a.state } },
      h('td', { class: 'n' }, '#' + a.id),
      h('td', {}, fmt.dateTime(a.raisedAt)),
      h('td', {}, alertText(a), acked, history),
      h('td', {}, counterName(a.counterId)),
      h('td', {}, a.kind === 'frowns' || a.kind === 'boxOffline' || a.kind === 'burst' || a.kind === 'tampering' ? officerName(a.officerId) : '—'),
      h('td', { class: 'state' }, w('state_' + a.state)),
      h('td', {}, !a.acknowledgedBy && canAck(a) ? ackForm(a) : null),
    )
  }

  const query = () => {
    const q = new URLSearchParams()
    for (const k of ['state', 'from', 'to']) if (state[k] && state[k] !== 'all') q.set(k, state[k])
    // "All" over no dates: the record of the last 90 days.
    if (state.state === 'all' && !state.from && !state.to) q.set('from', new Date(Date.now() - 90 * 86400_000).toISOString().slice(0, 10))
    return q.toString()
  }

  async function show() {
    history.replaceState(null, '', '/alerts' + (query() ? '?' + query() : ''))
    try {
      const { alerts } = await api('GET', '/api/alerts' + (query() ? '?' + query() : ''))
      // The current list carries no history: the page fetches each alert's own.
      const full = state.state || state.from || state.to ? alerts : await Promise.all(alerts.map((a) => api('GET', `/api/alerts/${a.id}`).then((x) => ({ ...x, ...a, history: x.history }))))
      if (stopped) return
      const head = ['#', w('raisedAt'), w('what'), w('counter'), w('officer'), w('state'), '']
      results.replaceChildren(
        full.length === 0
          ? h('p', { class: 'muted' }, w('none'))
          : h('table', { id: 'alerts-table', class: 'data' }, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), h('tbody', {}, full.map(row))),
      )
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${errorText(err)}`))
    }
  }

  const stateSelect = h(
    'select',
    { id: 'alerts-state', onchange: (e) => (state.state = e.target.value) },
    [['', w('stateActive')], ['open', w('state_open')], ['acknowledged', w('state_acknowledged')], ['resolved', w('state_resolved')], ['all', w('stateAll')]].map(([v, label]) =>
      h('option', { value: v, selected: state.state === v }, label),
    ),
  )
  const date = (name) => h('input', { id: 'alerts-' + name, type: 'date', value: state[name], onchange: (e) => (state[name] = e.target.value) })
  el.append(
    h('h1', {}, w('title')),
    h(
      'form',
      { class: 'filters', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, w('state'), ' ', stateSelect),
      h('label', {}, w('from'), ' ', date('from')),
      h('label', {}, w('to'), ' ', date('to')),
      h('button', { type: 'submit' }, w('show')),
    ),
    results,
  )

  Promise.all([api('GET', '/api/counters').catch(() => ({ counters: [] })), api('GET', '/api/officers').catch(() => ({ officers: [] }))])
    .then(([c, o]) => {
      for (const x of c.counters ?? []) names.counters.set(x.id, x.name)
      for (const x of o.officers ?? []) names.officers.set(x.id, x.name)
    })
    .finally(() => show())
  return () => (stopped = true)
}
