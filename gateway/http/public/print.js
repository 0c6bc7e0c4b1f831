// The quarterly report an office prints for its province: totals by month, ranked officers
// and counters, the chart, signatures. Print CSS (style.css @media print) hides the chrome.
import { t, fmt } from './i18n.js'
import { h, api } from './dom.js'
import { ratingChart } from './chart.js'
import { reportTable } from './report-table.js'

export function mount(el) {
  const p = new URLSearchParams(location.search)
  let stopped = false
  api('GET', `/api/reports/quarterly?office=${encodeURIComponent(p.get('office') ?? '')}&year=${p.get('year')}&quarter=${p.get('quarter')}`)
    .then((r) => {
      if (stopped) return
      const monthRows = r.months.map((m) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, fmt.isoMonth(m.month)),
          ['positive', 'neutral', 'negative', 'total'].map((k) => h('td', { class: 'n' }, fmt.int(m[k]))),
          h('td', { class: 'n' }, fmt.pct(m.satisfaction)),
          h('td', { class: 'n' }, fmt.num1(m.index)),
        ),
      )
      const tt = r.byOfficer.totals
      el.replaceChildren(
        h('p', { class: 'no-print' }, h('button', { id: 'print-now', onclick: () => window.print() }, t('print'))),
        h(
          'article',
          { class: 'printable', id: 'quarterly' },
          h('p', { class: 'office-name' }, r.office.name),
          h('h1', {}, t('quarterlyReport', { q: r.quarter, y: r.year })),
          h('p', {}, `${t('period')}: ${fmt.isoDate(r.from)} – ${fmt.isoDate(r.to)} · ${t('generated')}: ${fmt.dateTime(r.generatedAt)}`),
          h(
            'p',
            { class: 'headline' },
            `${t('total')}: ${fmt.int(tt.total)} · ${t('satisfaction')}: ${fmt.pct(tt.satisfaction)} · ${t('index')}: ${fmt.num1(tt.index)}`,
          ),
          h('h2', {}, t('byMonth')),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'report' },
              h('thead', {}, h('tr', {}, h('th', {}, t('month')), ['positive', 'neutral', 'negative', 'total'].map((k) => h('th', { class: 'n' }, t(k))), h('th', { class: 'n' }, t('satisfaction')), h('th', { class: 'n' }, t('index')))),
              h('tbody', {}, monthRows),
            ),
          ),
          ratingChart({ step: 'day', points: r.daily }),
          h('h2', {}, t('officers')),
          reportTable(r.byOfficer, { repeats: false }),
          h('h2', {}, t('counters')),
          reportTable(r.byCounter, { repeats: false }),
          h('div', { class: 'signatures' }, h('div', {}, h('strong', {}, t('signature'))), h('div', {}, h('strong', {}, t('headSignature')))),
        ),
      )
    })
    .catch((err) => el.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${err.message}`)))
  return () => {
    stopped = true
  }
}
