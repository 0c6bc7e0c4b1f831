// An officer's own page: their figures over a period, up to the end of the previous day (or
// week, or month, as the office configured), never today's and never a colleague's.
import { t, fmt, addWords, errorText } from './i18n.js'
import { DEFAULT_LEVELS, levelLabel } from './scale.js'
import { h, api } from './dom.js'

addWords({
  vi: {
    myResults: 'Kết quả của tôi',
    myResultsUntil: 'Số liệu đến hết ngày {date} (không hiện số liệu trong ngày).',
    myResultsNone: 'Chưa có đánh giá nào trong kỳ này.',
    role_officer: 'Cán bộ',
  },
  en: {
    myResults: 'My results',
    myResultsUntil: 'Figures up to the end of {date} (nothing of the current day is shown).',
    myResultsNone: 'No ratings in this period yet.',
    role_officer: 'Officer',
  },
})

export function mount(el) {
  const today = fmt.todayIso()
  const state = { from: today.slice(0, 8) + '01', to: today }
  let stopped = false
  const results = h('div', { id: 'me-results' })
  const input = (name) => h('input', { id: 'me-' + name, name, type: 'date', value: state[name], required: true, onchange: (e) => (state[name] = e.target.value) })

  async function show() {
    try {
      const r = await api('GET', `/api/me/results?from=${state.from}&to=${state.to}`)
      if (stopped) return
      const f = r.figures
      results.replaceChildren(
        h('h3', {}, r.officer.name),
        h('p', { class: 'hint' }, t('myResultsUntil', { date: fmt.date(r.until - 1) })),
        !f
          ? h('p', {}, t('myResultsNone'))
          : h(
              'table',
              { id: 'me-table' },
              h('tbody', {}, [
                ...(r.scale ?? DEFAULT_LEVELS).map((l) => [l.id, fmt.int(f[l.id] ?? 0), levelLabel(l)]),
                ['total', fmt.int(f.total)],
                ['satisfaction', fmt.pct(f.satisfaction)],
                ['index', fmt.num1(f.index)],
              ].map(([k, v, label]) => h('tr', { dataset: { key: k } }, h('th', {}, label ?? t(k)), h('td', { class: 'n' }, v)))),
            ),
      )
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${errorText(err)}`))
    }
  }

  el.replaceChildren(
    h('h2', {}, t('myResults')),
    h(
      'form',
      { class: 'filters', id: 'me-form', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, t('from'), input('from')),
      h('label', {}, t('to'), input('to')),
      h('button', { type: 'submit', id: 'me-show' }, t('show')),
    ),
    results,
  )
  show()
  return () => {
    stopped = true
  }
}
