// Reports: a month, quarter, 6 or 9 months, year or any range of days (both ends inclusive),
// by officer, counter or office; ranked table with the change against the previous period
// and a year before; charts (over time, comparison, trend per row, hour x weekday); CSV,
// Excel and the printable report of a unit.
import { t, fmt, errorText } from './i18n.js'
import { h, api, notice } from './dom.js'
import { ratingChart, trendChart, comparisonChart, heatMap } from './chart.js'
import { reportTable, pointsText } from './report-table.js'

const KINDS = ['month', 'quarter', 'half', 'nine', 'year', 'range']

/** The period code the API reads (gateway/reports/periods.ts), or null for a range. */
function periodCode(s) {
  const y = s.year
  if (s.kind === 'month') return `${y}-${String(s.month).padStart(2, '0')}`
  if (s.kind === 'quarter') return `${y}-Q${s.quarter}`
  if (s.kind === 'half') return `${y}-H${s.half}`
  if (s.kind === 'nine') return `${y}-9M`
  if (s.kind === 'year') return String(y)
  return null
}

/** Reads ?period= back into the form's state. */
function fromCode(code, state) {
  let m
  if ((m = /^(\d{4})-(\d{2})$/.exec(code))) Object.assign(state, { kind: 'month', year: +m[1], month: +m[2] })
  else if ((m = /^(\d{4})-Q([1-4])$/.exec(code))) Object.assign(state, { kind: 'quarter', year: +m[1], quarter: +m[2] })
  else if ((m = /^(\d{4})-H([12])$/.exec(code))) Object.assign(state, { kind: 'half', year: +m[1], half: +m[2] })
  else if ((m = /^(\d{4})-9M$/.exec(code))) Object.assign(state, { kind: 'nine', year: +m[1] })
  else if ((m = /^(\d{4})$/.exec(code))) Object.assign(state, { kind: 'year', year: +m[1] })
}

export function mount(el, { session, navigate }) {
  const user = session.user
  const global = user.role === 'admin' || !user.officeId
  const today = fmt.todayIso()
  const params = new URLSearchParams(location.search)
  const month = +today.slice(5, 7)
  const state = {
    kind: params.get('from') ? 'range' : 'month',
    year: +today.slice(0, 4),
    month,
    quarter: Math.ceil(month / 3),
    half: month <= 6 ? 1 : 2,
    from: params.get('from') ?? today.slice(0, 8) + '01',
    to: params.get('to') ?? today,
    by: params.get('by') ?? 'officer',
    office: params.get('office') ?? (global ? (localStorage.getItem('chamdiem.office') ?? '') : user.officeId),
  }
  if (params.get('period')) fromCode(params.get('period'), state)
  let stopped = false
  const results = h('div', { id: 'report-results' })

  const set = (name, number) => (e) => {
    state[name] = number ? Number(e.target.value) : e.target.value
    showFields()
  }
  const select = (id, name, options) => h('select', { id, name, onchange: set(name, name !== 'kind' && name !== 'by' && name !== 'office') }, options.map(([v, label]) => h('option', { value: v, selected: String(state[name]) === String(v) }, label)))
  const kindSelect = select('report-kind', 'kind', KINDS.map((k) => [k, t('period_' + k)]))
  const yearInput = h('input', { id: 'report-year', type: 'number', min: 2000, max: 2099, value: state.year, required: true, onchange: set('year', true) })
  const monthSelect = select('report-month', 'month', Array.from({ length: 12 }, (_, i) => [i + 1, `${t('month')} ${i + 1}`]))
  const quarterSelect = select('report-quarter', 'quarter', [1, 2, 3, 4].map((q) => [q, `${t('quarter')} ${['I', 'II', 'III', 'IV'][q - 1]}`]))
  const halfSelect = select('report-half', 'half', [[1, t('half1')], [2, t('half2')]])
  const dateInput = (name) => h('input', { id: 'report-' + name, name, type: 'date', value: state[name], required: true, onchange: (e) => (state[name] = e.target.value) })
  const fromLabel = h('label', {}, t('from'), dateInput('from'))
  const toLabel = h('label', {}, t('to'), dateInput('to'))
  const labels = {
    year: h('label', {}, t('year'), yearInput),
    month: h('label', {}, t('month'), monthSelect),
    quarter: h('label', {}, t('quarter'), quarterSelect),
    half: h('label', {}, t('period_half'), halfSelect),
  }
  function showFields() {
    const k = state.kind
    labels.year.hidden = k === 'range'
    labels.month.hidden = k !== 'month'
    labels.quarter.hidden = k !== 'quarter'
    labels.half.hidden = k !== 'half'
    fromLabel.hidden = toLabel.hidden = k !== 'range'
    for (const i of [fromLabel, toLabel]) i.querySelector('input').required = k === 'range'
  }
  const bySelect = h('select', { id: 'report-by', onchange: (e) => (state.by = e.target.value) }, ['officer', 'counter', 'office'].map((b) => h('option', { value: b, selected: state.by === b }, t(b))))
  const officeSelect = h('select', { id: 'report-office', onchange: (e) => (state.office = e.target.value) })

  const periodQuery = () => {
    const code = periodCode(state)
    return code ? { period: code } : { from: state.from, to: state.to }
  }
  const query = (extra = {}) => {
    const q = new URLSearchParams({ ...periodQuery(), by: state.by, ...extra })
    if (state.office) q.set('office', state.office)
    return q.toString()
  }

  async function show() {
    history.replaceState(null, '', '/reports?' + query())
    try {
      const [report, series] = await Promise.all([api('GET', '/api/reports?' + query()), api('GET', '/api/reports/series?' + seriesQuery())])
      if (stopped) return
      const name = (r) => (r.key === 'unattributed' ? t('unattributed') : r.key === 'unassigned' ? '—' : r.name)
      const tt = report.totals
      results.replaceChildren(
        h('p', { class: 'headline', id: 'report-summary' }, `${report.period.label}: ${t('summary', { total: fmt.int(tt.total), sat: fmt.pct(tt.satisfaction) })}. ${t('vsPrevious')}: ${pointsText(report.totalsVsPrevious)}; ${t('vsYearAgo')}: ${pointsText(report.totalsVsYearAgo)}.`),
        reportTable(report, { id: 'report-table' }),
        h(
          'p',
          { class: 'actions' },
          h('a', { id: 'csv-link', class: 'button', href: '/api/reports.csv?' + query(), download: '' }, t('downloadCsv')),
          h('a', { id: 'csv-semicolon-link', class: 'button', href: '/api/reports.csv?' + query({ sep: 'semicolon' }), download: '' }, t('downloadCsvSemicolon')),
          h('a', { id: 'xlsx-link', class: 'button', href: '/api/reports.xlsx?' + query(), download: '' }, t('downloadXlsx')),
        ),
        // replaceChildren would write a null as the text "null": only the charts there are.
        ...[ratingChart(series), report.rows.length ? comparisonChart(report, name) : null, report.rows.length ? trendChart(report, name) : null, heatMap(report.heatmap)].filter(Boolean),
      )
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${errorText(err)}`))
    }
  }
  // The series route takes a range of dates: the named period's own dates.
  function seriesQuery() {
    const q = new URLSearchParams(periodDates())
    if (state.office) q.set('office', state.office)
    return q.toString()
  }
  function periodDates() {
    const y = state.year
    const end = (m) => new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)
    const span = { month: [state.month, state.month], quarter: [state.quarter * 3 - 2, state.quarter * 3], half: [state.half * 6 - 5, state.half * 6], nine: [1, 9], year: [1, 12] }[state.kind]
    if (!span) return { from: state.from, to: state.to }
    return { from: `${y}-${String(span[0]).padStart(2, '0')}-01`, to: end(span[1]) }
  }

  const printOffice = h('select', { id: 'q-office' })
  const printForm = h(
    'form',
    {
      class: 'print-form',
      onsubmit: (e) => {
        e.preventDefault()
        const office = global ? printOffice.value : user.officeId
        if (!office) return notice(t('office') + '?', 'error')
        const p = new URLSearchParams({ office, ...periodQuery() })
        navigate('/print?' + p)
      },
    },
    global ? h('label', {}, t('office'), printOffice) : null,
    h('button', { type: 'submit', id: 'print-quarter' }, t('printOfficial')),
  )

  el.replaceChildren(
    h('h2', {}, t('reports')),
    h(
      'form',
      { class: 'filters', id: 'report-form', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, t('periodKind'), kindSelect),
      labels.year,
      labels.month,
      labels.quarter,
      labels.half,
      fromLabel,
      toLabel,
      h('label', {}, t('groupBy'), bySelect),
      global ? h('label', {}, t('office'), officeSelect) : null,
      h('button', { type: 'submit', id: 'report-show' }, t('show')),
    ),
    results,
    h('section', { class: 'quarterly' }, h('h3', {}, t('printOfficial')), printForm),
  )
  showFields()

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
