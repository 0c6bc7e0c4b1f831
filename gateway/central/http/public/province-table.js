// A ranked table of centres, counters or officers: rank, name (a link one level down),
// counts, satisfaction rate, index and its 95% interval. Rows with too few ratings are shown
// without a rank, as on the gateway's reports.
import { t, fmt } from './i18n.js'
import { h } from './dom.js'
import { DEFAULT_LEVELS, FACES, levelLabel } from './scale.js'

export { FACES }

/**
 * The count columns of an answer: the province's levels (its `scale`, best first), then any
 * level the rows count that the scale lacks (`outsideScale`, from a centre rating on another
 * scale), marked as such; the server's figures already count them (province-scale.ts).
 */
export function levelsOf(answer) {
  return [
    ...(answer?.scale ?? DEFAULT_LEVELS),
    ...(answer?.outsideScale ?? []).map((l) => ({ ...l, outside: true })),
  ]
}

/** A level's heading: its face and label (the face alone on a phone), * when outside the scale. */
export function levelHeading(l) {
  const label = levelLabel(l) + (l.outside ? ' *' : '')
  return h(
    'th',
    { class: 'n ' + l.id, title: l.outside ? `${label} — ${t('outsideScaleShort')}` : label },
    FACES[l.id] ?? '',
    h('span', { class: 'label' }, ' ' + label),
  )
}

/** What the * of a level outside the province's scale means, under a table that has one. */
export function outsideNote(levels) {
  const outside = levels.filter((l) => l.outside)
  if (!outside.length) return null
  return h(
    'p',
    { class: 'hint outside-scale' },
    '* ' + t('outsideScale', { levels: outside.map(levelLabel).join(', ') }),
  )
}

/** The display name of a row: the special keys of presses without a counter or an officer. */
export function rowName(r) {
  if (r.key === 'unattributed') return t('unattributed')
  if (r.key === 'unassigned' || r.key.endsWith('/')) return t('unassigned')
  return r.name
}

/**
 * rows: the API's ranked rows; opts: { id, label (the table's name for assistive technology),
 * column (the name column's heading), href(row) → a link or null, centre: show the centre
 * column, levels: levelsOf(answer) }.
 */
export function rankedTable(rows, opts) {
  const levels = opts.levels ?? DEFAULT_LEVELS
  const counts = [...levels.map((l) => l.id), 'total']
  const row = (r) => {
    const href = opts.href(r)
    return h(
      'tr',
      { class: r.tooFew ? 'too-few' : '', dataset: { key: r.key } },
      h('td', { class: 'n rank' }, r.rank ?? h('small', { class: 'too-few-label' }, t('tooFew'))),
      h(
        'th',
        { scope: 'row', class: 'name' },
        href ? h('a', { href }, rowName(r)) : rowName(r),
        // On a phone, where the centre column gives way, the centre under the name.
        opts.centre && r.centreName
          ? h('small', { class: 'centre-of', 'aria-hidden': 'true' }, r.centreName)
          : null,
      ),
      opts.centre
        ? h('td', { class: 'wide', dataset: { field: 'centre' } }, r.centreName ?? '')
        : null,
      counts.map((k) => h('td', { class: 'n ' + k, dataset: { field: k } }, fmt.int(r[k] ?? 0))),
      h('td', { class: 'n', dataset: { field: 'satisfaction' } }, fmt.pct(r.satisfaction)),
      h('td', { class: 'n', dataset: { field: 'index' } }, fmt.num1(r.index)),
      h(
        'td',
        { class: 'n wide', dataset: { field: 'interval' } },
        r.wilsonLow === null ? '—' : `${fmt.pct(r.wilsonLow)} – ${fmt.pct(r.wilsonHigh)}`,
      ),
    )
  }
  return h(
    'div',
    // May scroll sideways on a phone: focusable, so a keyboard can scroll it (WCAG 2.1.1).
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.label },
    h(
      'table',
      { class: 'report province-table', id: opts.id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h(
            'th',
            { class: 'n rank' },
            h('span', { class: 'label' }, t('rank')),
            h('span', { class: 'short', 'aria-hidden': 'true' }, '#'),
          ),
          h('th', {}, opts.column),
          opts.centre ? h('th', { class: 'wide' }, t('centre')) : null,
          // On a phone the ratings' names give way to their faces (read out all the same).
          levels.map(levelHeading),
          h('th', { class: 'n total' }, t('total')),
          h('th', { class: 'n' }, t('satisfaction')),
          h('th', { class: 'n', dataset: { field: 'index' } }, t('index')),
          h('th', { class: 'n wide' }, t('interval')),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length
          ? rows.map(row)
          : h('tr', {}, h('td', { colspan: levels.length + 7, class: 'muted' }, t('noData'))),
      ),
    ),
  )
}

/** One unit's own figures: a count per level (levelsOf(answer)), the total and the rates. */
export function figuresBlock(f, levels = DEFAULT_LEVELS) {
  const figure = (k, label) =>
    h(
      'p',
      { class: 'figure ' + k, dataset: { field: k } },
      h('span', { class: 'label' }, label),
      h('strong', {}, fmt.int(f[k] ?? 0)),
    )
  return h(
    'div',
    { class: 'unit-figures', id: 'unit-figures' },
    levels.map((l) => figure(l.id, levelLabel(l) + (l.outside ? ' *' : ''))),
    figure('total', t('total')),
    h(
      'p',
      { class: 'figure', dataset: { field: 'satisfaction' } },
      h('span', { class: 'label' }, t('satisfaction')),
      h('strong', {}, fmt.pct(f.satisfaction)),
    ),
    h(
      'p',
      { class: 'figure', dataset: { field: 'index' } },
      h('span', { class: 'label' }, t('index')),
      h('strong', {}, fmt.num1(f.index)),
    ),
  )
}
