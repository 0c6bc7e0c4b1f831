// The province ranking: centres or officers, for a month, quarter, 6 or 9 months, a year or a
// range of days, ranked by the lower bound of the satisfaction rate's 95% interval; CSV.
// Each row links to its drill-down page. A head sees their own centre and its officers.
import { t, errorText } from './i18n.js'
import { h, api } from './dom.js'
import { periodState, periodParams, periodFields, periodTitle } from './province-period.js'
import { levelsOf, outsideNote, rankedTable } from './province-table.js'

export function mount(el, { session }) {
  const params = new URLSearchParams(location.search)
  const state = periodState(params)
  let by = params.get('by') === 'officer' ? 'officer' : 'centre'
  let stopped = false
  const results = h('div', { id: 'ranking-results' }, h('p', { class: 'muted' }, t('loading')))
  const query = (extra = {}) =>
    new URLSearchParams({ by, ...periodParams(state), ...extra }).toString()
  const drill = (place) => '/drill?' + new URLSearchParams({ ...place, ...periodParams(state) })

  async function show() {
    history.replaceState(null, '', '/ranking?' + query())
    try {
      const r = await api('GET', '/api/ranking?' + query())
      if (stopped) return
      const label = t(by === 'centre' ? 'rankCentres' : 'rankOfficers')
      const levels = levelsOf(r)
      results.replaceChildren(
        h('p', { class: 'headline', id: 'ranking-period' }, `${periodTitle(state)} · ${label}`),
        rankedTable(r.rows, {
          id: 'ranking-table',
          label,
          column: t(by),
          centre: by === 'officer',
          levels,
          href: (row) =>
            by === 'centre'
              ? drill({ centre: row.key })
              : drill(
                  row.centreId ? { centre: row.centreId, officer: row.key } : { officer: row.key },
                ),
        }),
        // Only when a level lies outside the scale (replaceChildren would print a null).
        ...[outsideNote(levels)].filter(Boolean),
        h(
          'p',
          { class: 'actions' },
          h(
            'a',
            {
              id: 'ranking-csv',
              class: 'button',
              href: '/api/ranking?' + query({ format: 'csv' }),
              download: '',
            },
            t('downloadCsv'),
          ),
        ),
      )
    } catch (err) {
      results.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `${t('error')}: ${errorText(err)}`),
      )
    }
  }

  const bySelect = h(
    'select',
    { id: 'ranking-by', name: 'by', onchange: (e) => (by = e.target.value) },
    ['centre', 'officer'].map((b) =>
      h(
        'option',
        { value: b, selected: by === b },
        t(b === 'centre' ? 'rankCentres' : 'rankOfficers'),
      ),
    ),
  )
  el.replaceChildren(
    h('h2', {}, session.user.role === 'head' ? t('ranking') : t('rankingTitle')),
    h(
      'form',
      { class: 'filters', id: 'ranking-form', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, t('groupBy'), bySelect),
      periodFields(state, 'ranking'),
      h('button', { type: 'submit', id: 'ranking-show' }, t('show')),
    ),
    results,
  )
  show()
  return () => {
    stopped = true
  }
}
