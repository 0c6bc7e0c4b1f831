// Reports: any period, by officer, counter or office; ranked table, chart over time, CSV,
// and the way to the printable quarterly report.
import { t, fmt } from './i18n.js'
import { h, api, notice } from './dom.js'
import { ratingChart } from './chart.js'
import { reportTable } from './report-table.js'

export function mount(el, { session, navigate }) {
  const user = session.user
  const global = user.role === 'admin' || !user.officeId
  const today = fmt.todayIso()
  const params = new URLSearchParams(location.search)
  const state = {
    from: params.get('from') ?? today.slice(0, 8) + '01',
    to: params.get('to') ?? today,
    by: params.get('by') ?? 'officer',
    office: params.get('office') ?? (global ? (localStorage.getItem('chamdiem.office') ?? '') : user.officeId),
  }
  let stopped = false
  const results = h('div', { id: 'report-results' })

  const input = (name, type) =>
    h('input', { id: 'report-' + name, name, type, value: state[name], required: true, onchange: (e) => (state[name] = e.target.value) })
  const bySelect = h(
    'select',
    { id: 'report-by', onchange: (e) => (state.by = e.target.value) },
    ['officer', 'counter', 'office'].map((b) => h('option', { value: b, selected: state.by === b }, t(b))),
  )
  const officeSelect = h('select', { id: 'report-office', onchange: (e) => (state.office = e.target.value) })

  const query = () => {
    const q = new URLSearchParams({ from: state.from, to: state.to, by: state.by })
    if (state.office) q.set('office', state.office)
    return q.toString()
  }

  async function show() {
    history.replaceState(null, '', '/reports?' + query())
    try {
      const [report, series] = await Promise.all([api('GET', '/api/reports?' + query()), api('GET', '/api/reports/series?' + query())])
      if (stopped) return
      results.replaceChildren(
        reportTable(report, { id: 'report-table' }),
        h('p', { class: 'actions' }, h('a', { id: 'csv-link', class: 'button', href: '/api/reports.csv?' + query(), download: '' }, t('downloadCsv'))),
        ratingChart(series),
      )
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${err.message}`))
    }
  }

  const now = new Date()
  const year = h('input', { id: 'q-year', type: 'number', min: 2000, max: 2100, value: now.getFullYear() })
  const quarter = h('select', { id: 'q-quarter' }, [1, 2, 3, 4].map((q) => h('option', { value: q, selected: q === Math.floor(now.getMonth() / 3) + 1 }, `${t('quarter')} ${q}`)))
  const printOffice = h('select', { id: 'q-office' })
  const printForm = h(
    'form',
    {
      class: 'print-form',
      onsubmit: (e) => {
        e.preventDefault()
        const office = global ? printOffice.value : user.officeId
        if (!office) return notice(t('office') + '?', 'error')
        navigate(`/print?office=${encodeURIComponent(office)}&year=${year.value}&quarter=${quarter.value}`)
      },
    },
    global ? h('label', {}, t('office'), printOffice) : null,
    h('label', {}, t('year'), year),
    h('label', {}, t('quarter'), quarter),
    h('button', { type: 'submit', id: 'print-quarter' }, t('printQuarter')),
  )

  el.replaceChildren(
    h('h2', {}, t('reports')),
    h(
      'form',
      { class: 'filters', id: 'report-form', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, t('from'), input('from', 'date')),
      h('label', {}, t('to'), input('to', 'date')),
      h('label', {}, t('groupBy'), bySelect),
      global ? h('label', {}, t('office'), officeSelect) : null,
      h('button', { type: 'submit', id: 'report-show' }, t('show')),
    ),
    results,
    h('section', { class: 'quarterly' }, h('h3', {}, t('printQuarter')), printForm),
  )

  if (global) {
    api('GET', '/api/offices').then(({ offices }) => {
      officeSelect.replaceChildren(h('option', { value: '' }, t('allOffices')), offices.map((o) => h('option', { value: o.id, selected: o.id === state.office }, o.name)))
      printOffice.replaceChildren(...offices.map((o) => h('option', { value: o.id, selected: o.id === state.office }, o.name)))
    })
  }
  show()
  return () => {
    stopped = true
  }
}
