// The ranked table of a report on the reports page, with the change against the previous
// period and a year before when the report has them.
import { h } from './dom.js'
import { t, fmt } from './i18n.js'
import { DEFAULT_LEVELS, levelLabel, satisfactionDefinition } from './scale.js'

/** A change of the satisfaction rate in percentage points, "+5,0 điểm %"; — when not comparable. */
export function pointsText(c) {
  if (c.satisfaction === null) return '—'
  const v = c.satisfaction * 100
  return `${v > 0.05 ? '+' : ''}${fmt.num1(v)} ${t('points')}`
}

export function reportTable(report, opts = {}) {
  // Reports of a period carry the change against the previous period and a year before.
  const compare = Boolean(report.previous)
  // One column per level of the deployment's scale, best first.
  const levels = report.scale ?? DEFAULT_LEVELS
  const name = (r) => (r.key === 'unattributed' ? t('unattributed') : r.key === 'unassigned' ? '—' : r.name)
  const row = (r) =>
    h(
      'tr',
      { class: r.tooFew ? 'too-few' : '', dataset: { key: r.key } },
      h('td', { class: 'n rank' }, r.rank ?? (r.tooFew ? h('small', { class: 'too-few-label' }, t('tooFew')) : '—')),
      h('th', { scope: 'row' }, name(r)),
      [...levels.map((l) => l.id), 'total'].map((k) => h('td', { class: 'n ' + k, dataset: { field: k } }, fmt.int(r[k] ?? 0))),
      h('td', { class: 'n', dataset: { field: 'satisfaction' } }, fmt.pct(r.satisfaction)),
      h('td', { class: 'n', dataset: { field: 'index' } }, fmt.num1(r.index)),
      h('td', { class: 'n wide', dataset: { field: 'interval' } }, r.wilsonLow === null ? '—' : `${fmt.pct(r.wilsonLow)} – ${fmt.pct(r.wilsonHigh)}`),
      compare ? h('td', { class: 'n', dataset: { field: 'vsPrevious' } }, r.vsPrevious ? pointsText(r.vsPrevious) : '') : null,
      compare ? h('td', { class: 'n wide', dataset: { field: 'vsYearAgo' } }, r.vsYearAgo ? pointsText(r.vsYearAgo) : '') : null,
      opts.repeats === false ? null : h('td', { class: 'n wide' }, fmt.int(r.repeats)),
      opts.repeats === false ? null : h('td', { class: 'n wide', dataset: { field: 'bursts' } }, fmt.int(r.bursts ?? 0)),
    )
  const tt = report.totals
  return h(
    'div',
    // A region that may scroll sideways on a phone: focusable, so a keyboard can scroll it (WCAG 2.1.1).
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('reports') },
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
          levels.map((l) => h('th', { class: 'n ' + l.id }, levelLabel(l))),
          h('th', { class: 'n total' }, t('total')),
          h('th', { class: 'n' }, t('satisfaction')),
          h('th', { class: 'n index' }, t('index')),
          h('th', { class: 'n wide' }, t('interval')),
          compare ? h('th', { class: 'n' }, t('vsPrevious')) : null,
          compare ? h('th', { class: 'n wide' }, t('vsYearAgo')) : null,
          opts.repeats === false ? null : h('th', { class: 'n wide' }, t('repeats')),
          opts.repeats === false ? null : h('th', { class: 'n wide' }, t('bursts')),
        ),
      ),
      h('tbody', {}, report.rows.length ? report.rows.map(row) : h('tr', {}, h('td', { colspan: 10 + levels.length, class: 'muted' }, t('noData')))),
      h('tfoot', {}, row({ ...tt, key: '*total*', name: t('total'), rank: '', tooFew: false, vsPrevious: report.totalsVsPrevious, vsYearAgo: report.totalsVsYearAgo })),
    ),
    h('p', { class: 'muted definition' }, satisfactionDefinition(levels)),
  )
}
