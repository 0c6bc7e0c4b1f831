// The period form of the ranking and drill-down pages: month, quarter, 6 months, 9 months,
// year or a range of days. Its state lives in the address (?period=2026-Q2 or ?from=&to=),
// so a link or a reload shows the same figures.
import { t, fmt } from './i18n.js'
import { h } from './dom.js'

const KINDS = ['month', 'quarter', 'half', 'nine', 'year', 'range']

/** The period's code for the API (periods.ts), or null for a range. */
function code(s) {
  const y = s.year
  return (
    {
      month: `${y}-${String(s.month).padStart(2, '0')}`,
      quarter: `${y}-Q${s.quarter}`,
      half: `${y}-H${s.half}`,
      nine: `${y}-9M`,
      year: String(y),
    }[s.kind] ?? null
  )
}

function fromCode(c, s) {
  let m
  if ((m = /^(\d{4})-(\d{2})$/.exec(c)))
    Object.assign(s, { kind: 'month', year: +m[1], month: +m[2] })
  else if ((m = /^(\d{4})-Q([1-4])$/.exec(c)))
    Object.assign(s, { kind: 'quarter', year: +m[1], quarter: +m[2] })
  else if ((m = /^(\d{4})-H([12])$/.exec(c)))
    Object.assign(s, { kind: 'half', year: +m[1], half: +m[2] })
  else if ((m = /^(\d{4})-9M$/.exec(c))) Object.assign(s, { kind: 'nine', year: +m[1] })
  else if ((m = /^(\d{4})$/.exec(c))) Object.assign(s, { kind: 'year', year: +m[1] })
}

/** The period asked for in the address, or this quarter. */
export function periodState(params = new URLSearchParams(location.search)) {
  const today = fmt.todayIso()
  const month = +today.slice(5, 7)
  const s = {
    kind: 'quarter',
    year: +today.slice(0, 4),
    month,
    quarter: Math.ceil(month / 3),
    half: month <= 6 ? 1 : 2,
    from: today.slice(0, 8) + '01',
    to: today,
  }
  if (params.get('from') && params.get('to'))
    Object.assign(s, { kind: 'range', from: params.get('from'), to: params.get('to') })
  else if (params.get('period')) fromCode(params.get('period'), s)
  return s
}

/** The period as query parameters. */
export function periodParams(s) {
  const c = code(s)
  return c ? { period: c } : { from: s.from, to: s.to }
}

/** The form's fields (without the form and its button): the caller adds its own. */
export function periodFields(s, idPrefix) {
  const set = (name, number) => (e) => {
    s[name] = number ? Number(e.target.value) : e.target.value
    show()
  }
  const select = (name, options) =>
    h(
      'select',
      { id: `${idPrefix}-${name}`, name, onchange: set(name, name !== 'kind') },
      options.map(([v, label]) =>
        h('option', { value: v, selected: String(s[name]) === String(v) }, label),
      ),
    )
  const date = (name) =>
    h('input', {
      id: `${idPrefix}-${name}`,
      name,
      type: 'date',
      value: s[name],
      onchange: (e) => (s[name] = e.target.value),
    })
  const labels = {
    kind: h(
      'label',
      {},
      t('periodKind'),
      select(
        'kind',
        KINDS.map((k) => [k, t('period_' + k)]),
      ),
    ),
    year: h(
      'label',
      {},
      t('year'),
      h('input', {
        id: `${idPrefix}-year`,
        name: 'year',
        type: 'number',
        min: 2000,
        max: 2099,
        value: s.year,
        required: true,
        onchange: set('year', true),
      }),
    ),
    month: h(
      'label',
      {},
      t('month'),
      select(
        'month',
        Array.from({ length: 12 }, (_, i) => [i + 1, `${t('month')} ${i + 1}`]),
      ),
    ),
    quarter: h(
      'label',
      {},
      t('quarter'),
      select(
        'quarter',
        [1, 2, 3, 4].map((q) => [q, `${t('quarter')} ${['I', 'II', 'III', 'IV'][q - 1]}`]),
      ),
    ),
    half: h(
      'label',
      {},
      t('period_half'),
      select('half', [
        [1, t('half1')],
        [2, t('half2')],
      ]),
    ),
    from: h('label', {}, t('from'), date('from')),
    to: h('label', {}, t('to'), date('to')),
  }
  function show() {
    const k = s.kind
    labels.year.hidden = k === 'range'
    labels.month.hidden = k !== 'month'
    labels.quarter.hidden = k !== 'quarter'
    labels.half.hidden = k !== 'half'
    labels.from.hidden = labels.to.hidden = k !== 'range'
    for (const n of ['from', 'to']) labels[n].querySelector('input').required = k === 'range'
  }
  show()
  return Object.values(labels)
}

/** "Quý II/2026", "Tháng 5/2026", "01/04/2026 – 15/04/2026" */
export function periodTitle(s) {
  if (s.kind === 'month') return `${t('month')} ${s.month}/${s.year}`
  if (s.kind === 'quarter')
    return `${t('quarter')} ${['I', 'II', 'III', 'IV'][s.quarter - 1]}/${s.year}`
  if (s.kind === 'half') return `${t(s.half === 1 ? 'half1' : 'half2')} ${s.year}`
  if (s.kind === 'nine') return `${t('period_nine')} ${s.year}`
  if (s.kind === 'year') return `${t('year')} ${s.year}`
  return s.from === s.to ? fmt.isoDate(s.from) : `${fmt.isoDate(s.from)} – ${fmt.isoDate(s.to)}`
}
