// Drill-down: province -> centre -> counter -> officer. Each level shows its own figures and
// the level below, each row a link one level down; the trail above links back up. A head of
// a centre starts at their centre and never sees the province level (the server refuses the
// rest anyway: 404).
import { t, errorText } from './i18n.js'
import { h, api } from './dom.js'
import { periodState, periodParams, periodFields, periodTitle } from './province-period.js'
import { rankedTable, figuresBlock, levelsOf, outsideNote } from './province-table.js'

const LEVEL_LABEL = { centre: 'centre', counter: 'counter', officer: 'officer' }

export function mount(el, { session }) {
  const user = session.user
  const params = new URLSearchParams(location.search)
  if (user.role === 'head' && params.get('centre') !== user.centre && !params.get('officer')) {
    params.set('centre', user.centre)
    params.delete('counter')
    history.replaceState(null, '', '/drill?' + params)
  }
  const state = periodState(params)
  const where = {
    centre: params.get('centre'),
    counter: params.get('counter'),
    officer: params.get('officer'),
  }
  let stopped = false
  const results = h('div', { id: 'drill-results' }, h('p', { class: 'muted' }, t('loading')))

  /** The drill page's address for a place (keeps the period). */
  const href = (place) => {
    const q = new URLSearchParams()
    for (const k of ['centre', 'counter', 'officer']) if (place[k]) q.set(k, place[k])
    for (const [k, v] of Object.entries(periodParams(state))) q.set(k, v)
    return '/drill?' + q
  }
  const query = (extra = {}) => {
    const q = new URLSearchParams(periodParams(state))
    for (const k of ['centre', 'counter', 'officer']) if (where[k]) q.set(k, where[k])
    for (const [k, v] of Object.entries(extra)) q.set(k, v)
    return q.toString()
  }

  function trail(path) {
    const crumbs = path.filter((c) => !(user.role === 'head' && c.level === 'province'))
    const place = {}
    return h(
      'nav',
      { class: 'trail', 'aria-label': t('breadcrumb') },
      h(
        'ol',
        {},
        crumbs.map((c, i) => {
          if (c.level !== 'province') place[c.level] = c.id
          const name = c.level === 'province' ? t('provinceName') : c.name
          const last = i === crumbs.length - 1
          return h(
            'li',
            {},
            last
              ? h('span', { 'aria-current': 'page' }, name)
              : h('a', { href: href({ ...place }) }, name),
          )
        }),
      ),
    )
  }

  async function show() {
    history.replaceState(null, '', '/drill?' + query())
    try {
      const d = await api('GET', '/api/drill?' + query())
      if (stopped) return
      const here = d.path.at(-1)
      const title = here.level === 'province' ? t('provinceName') : here.name
      const rowHref = {
        centre: (r) => href({ centre: r.key }),
        counter: (r) =>
          d.level === 'officer'
            ? r.key.endsWith('/')
              ? null
              : href({ centre: r.centreId, counter: r.key.slice(r.centreId.length + 1) })
            : r.key === 'unassigned'
              ? null
              : href({ centre: where.centre, counter: r.key }),
        officer: (r) =>
          r.key === 'unattributed'
            ? null
            : href({ centre: where.centre, counter: where.counter, officer: r.key }),
      }[d.below.by]
      const levels = levelsOf(d)
      const belowLabel =
        d.level === 'officer' ? t('officerCounters') : t('levelBelow_' + d.below.by)
      // h() flattens and drops the parts a level does not have (replaceChildren would print them).
      results.replaceChildren(
        h(
          'div',
          {},
          trail(d.path),
          h(
            'h2',
            { id: 'drill-title' },
            here.level === 'province' ? title : `${t(LEVEL_LABEL[here.level])}: ${title}`,
          ),
          d.level === 'officer' && !here.id.includes('/')
            ? h('p', { class: 'hint' }, `${t('staffCode')}: ${here.id}`)
            : null,
          h('p', { class: 'headline' }, periodTitle(state)),
          figuresBlock(d.figures, levels),
          h('h3', {}, belowLabel),
          rankedTable(d.below.rows, {
            id: 'drill-table',
            label: belowLabel,
            column: t(d.below.by),
            href: rowHref,
            centre: d.level === 'officer',
            levels,
          }),
          outsideNote(levels),
          h(
            'p',
            { class: 'actions' },
            h(
              'a',
              {
                id: 'drill-csv',
                class: 'button',
                href: '/api/drill?' + query({ format: 'csv' }),
                download: '',
              },
              t('downloadCsv'),
            ),
          ),
          d.officers
            ? [
                h('h3', {}, t('centreOfficers')),
                rankedTable(d.officers, {
                  id: 'drill-officers',
                  label: t('centreOfficers'),
                  column: t('officer'),
                  href: (r) => href({ centre: where.centre, officer: r.key }),
                  levels,
                }),
              ]
            : null,
        ),
      )
      document.title = `${title} — ${t('provinceApp')}`
    } catch (err) {
      // Not found (or not theirs): a way back to where the user may look.
      results.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `${t('error')}: ${errorText(err)}`),
        h(
          'p',
          {},
          h(
            'a',
            { id: 'drill-home', href: href({ centre: user.role === 'head' ? user.centre : null }) },
            t(user.role === 'head' ? 'myCentre' : 'provinceName'),
          ),
        ),
      )
    }
  }

  el.replaceChildren(
    h(
      'form',
      { class: 'filters', id: 'drill-form', onsubmit: (e) => (e.preventDefault(), show()) },
      periodFields(state, 'drill'),
      h('button', { type: 'submit', id: 'drill-show' }, t('show')),
    ),
    results,
  )
  show()
  return () => {
    stopped = true
  }
}
