// The province's public page (no login, only when the server runs with --public): each
// centre's satisfaction and the ranking of centres for a finished month or quarter, as the
// province publishes it. Never an officer; a centre under the minimum sample is left out by
// the server (/api/public/ranking), so nothing here can show more than the API gives.
import { t, fmt, errorText, languageSwitch } from './i18n.js'
import { h, api } from './dom.js'
import './province-words.js'

// The newest finished month or quarter, by the reader's calendar (the server refuses one
// that is not finished yet, with its reason).
function lastFinished(kind, now = new Date()) {
  const month = now.getMonth() // 0-11
  if (kind === 'month') return month === 0 ? { year: now.getFullYear() - 1, n: 12 } : { year: now.getFullYear(), n: month }
  const quarter = Math.floor(month / 3) // the current one, 0-3
  return quarter === 0 ? { year: now.getFullYear() - 1, n: 4 } : { year: now.getFullYear(), n: quarter }
}

const params = new URLSearchParams(location.search)
const state = { kind: params.get('period') === 'month' ? 'month' : 'quarter' }
Object.assign(state, lastFinished(state.kind))
if (/^\d{4}$/.test(params.get('year') ?? '')) state.year = Number(params.get('year'))
if (/^\d{1,2}$/.test(params.get('n') ?? '')) state.n = Number(params.get('n'))

const results = h('div', { id: 'public-results', 'aria-live': 'polite' })

function select(id, label, value, options, onchange) {
  return h(
    'label',
    { for: id },
    label,
    h('select', { id, onchange: (e) => onchange(e.target.value) }, options.map(([v, text]) => h('option', { value: String(v), selected: String(v) === String(value) }, text))),
  )
}

function controls() {
  const thisYear = new Date().getFullYear()
  const years = [...new Set([thisYear, thisYear - 1, thisYear - 2, state.year])].sort((a, b) => b - a).map((y) => [y, String(y)])
  const ns = state.kind === 'month' ? Array.from({ length: 12 }, (_, i) => [i + 1, t('publicMonthN', { n: i + 1 })]) : [1, 2, 3, 4].map((q) => [q, t('publicQuarterN', { n: q })])
  return h(
    'form',
    { class: 'toolbar', id: 'public-period', onsubmit: (e) => e.preventDefault() },
    select('public-kind', t('publicPeriodKind'), state.kind, [['quarter', t('publicQuarter')], ['month', t('publicMonth')]], (v) => {
      state.kind = v
      Object.assign(state, lastFinished(v))
      render()
    }),
    select('public-n', t('publicWhich'), state.n, ns, (v) => ((state.n = Number(v)), show())),
    select('public-year', t('publicYear'), state.year, years, (v) => ((state.year = Number(v)), show())),
  )
}

function table(rows) {
  if (rows.length === 0) return h('p', { class: 'muted', id: 'public-empty' }, t('publicEmpty'))
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('publicTitle') },
    h(
      'table',
      { class: 'report', id: 'public-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('publicRank')), h('th', { scope: 'col' }, t('centre')), h('th', { scope: 'col', class: 'num' }, t('publicRatings')), h('th', { scope: 'col', class: 'num' }, t('satisfaction')), h('th', { scope: 'col', class: 'num' }, t('index')))),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h('tr', { dataset: { centre: r.centre } }, h('td', {}, r.rank ?? '—'), h('th', { scope: 'row' }, r.centre), h('td', { class: 'num' }, fmt.int(r.total)), h('td', { class: 'num', dataset: { field: 'satisfaction' } }, fmt.pct(r.satisfaction)), h('td', { class: 'num' }, fmt.num1(r.index))),
        ),
      ),
    ),
  )
}

const heading = () => t(state.kind === 'month' ? 'publicMonthOf' : 'publicQuarterOf', { n: state.n, year: state.year })

async function show() {
  const query = new URLSearchParams({ period: state.kind, year: String(state.year), n: String(state.n) })
  history.replaceState(null, '', '/public?' + query)
  results.replaceChildren(h('p', { class: 'muted' }, t('loading')))
  try {
    const r = await api('GET', '/api/public/ranking?' + query)
    results.replaceChildren(h('p', { class: 'headline', id: 'public-heading' }, t('publicHeading', { period: heading() })), table(r.rows), h('p', { class: 'muted' }, t('publicNote')))
  } catch (err) {
    const text = err.code === 'PERIOD_NOT_FINISHED' ? t('publicNotFinished', { period: heading() }) : errorText(err)
    results.replaceChildren(h('p', { class: 'error', role: 'alert', id: 'public-error' }, text))
  }
}

function render() {
  document.getElementById('top').replaceChildren(h('span', { class: 'brand' }, t('publicTitle')), h('span', { class: 'who' }, languageSwitch(render)))
  document.getElementById('view').replaceChildren(h('h1', {}, t('publicTitle')), controls(), results)
  void show()
}

render()
