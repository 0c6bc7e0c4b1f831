// The ranked table of a report: shared by the reports page and the printed quarterly report.
import { h } from './dom.js'
import { t, fmt } from './i18n.js'

export function reportTable(report, opts = {}) {
  const name = (r) => (r.key === 'unattributed' ? t('unattributed') : r.key === 'unassigned' ? '—' : r.name)
  const row = (r) =>
    h(
      'tr',
      { class: r.tooFew ? 'too-few' : '', dataset: { key: r.key } },
      h('td', { class: 'n rank' }, r.rank ?? (r.tooFew ? h('small', { class: 'too-few-label' }, t('tooFew')) : '—')),
      h('th', { scope: 'row' }, name(r)),
      ['positive', 'neutral', 'negative', 'total'].map((k) => h('td', { class: 'n ' + k, dataset: { field: k } }, fmt.int(r[k]))),
      h('td', { class: 'n', dataset: { field: 'satisfaction' } }, fmt.pct(r.satisfaction)),
      h('td', { class: 'n', dataset: { field: 'index' } }, fmt.num1(r.index)),
      h('td', { class: 'n wide', dataset: { field: 'interval' } }, r.wilsonLow === null ? '—' : `${fmt.pct(r.wilsonLow)} – ${fmt.pct(r.wilsonHigh)}`),
      opts.repeats === false ? null : h('td', { class: 'n wide' }, fmt.int(r.repeats)),
      opts.repeats === false ? null : h('td', { class: 'n wide', dataset: { field: 'bursts' } }, fmt.int(r.bursts ?? 0)),
    )
  const tt = report.totals
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'report', id: opts.id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { class: 'n' }, t('rank')),
          h('th', {}, t(report.by)),
          ['positive', 'neutral', 'negative', 'total'].map((k) => h('th', { class: 'n ' + k }, t(k))),
          h('th', { class: 'n' }, t('satisfaction')),
          h('th', { class: 'n' }, t('index')),
          h('th', { class: 'n wide' }, t('interval')),
          opts.repeats === false ? null : h('th', { class: 'n wide' }, t('repeats')),
          opts.repeats === false ? null : h('th', { class: 'n wide' }, t('bursts')),
        ),
      ),
      h('tbody', {}, report.rows.length ? report.rows.map(row) : h('tr', {}, h('td', { colspan: 11, class: 'muted' }, t('noData')))),
      h('tfoot', {}, row({ ...tt, key: '*total*', name: t('total'), rank: '', tooFew: false })),
    ),
  )
}
