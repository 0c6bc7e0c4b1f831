// The weekly shift grid of one counter: a row per weekday (Thứ Hai … Chủ Nhật, never numbers),
// a morning and an afternoon cell each with the officer and the hours, saved as a whole week
// in one submit (PUT /api/shifts/week/:counter, checked and atomic on the server).
//
// "Copy a week": the schedule is a template that repeats every week (a shift has a weekday,
// not a date), so there is no "last week" to copy. What an office does copy is another
// counter's week: it is taken into this grid, the admin changes the officers (one person is
// at one counter at a time; the server refuses a double booking) and saves.
import { t, fmt, errorText } from './i18n.js'
import { h, notice } from './dom.js'
import { call } from './admin-api.js'
import { select } from './admin-ui.js'

const DAYS = [1, 2, 3, 4, 5, 6, 7]
const SLOTS = [
  { key: 'morning', from: '07:30', to: '11:30' },
  { key: 'afternoon', from: '13:30', to: '17:00' },
]
const NOON = '12:00'

// The counter shown, kept across refreshes and tab changes.
let chosen = null

/** A day's shifts into the grid's two cells (first starting before noon, first from noon); the rest are "other". */
function layout(shifts) {
  const cells = new Map()
  const other = []
  for (const s of [...shifts].sort((a, b) => a.weekday - b.weekday || a.from.localeCompare(b.from))) {
    const slot = s.from < NOON ? 'morning' : 'afternoon'
    const key = `${s.weekday}-${slot}`
    if (cells.has(key)) other.push(s)
    else cells.set(key, s)
  }
  return { cells, other }
}

function cell(day, slot, officers, shift, markDirty) {
  const where = `${fmt.weekday(day)}, ${t(slot.key)}`
  const who = select([['', t('nobody')], ...officers.map((o) => [o.id, o.name])], { class: 'shift-officer', 'aria-label': `${where}: ${t('officer')}`, dataset: { day, slot: slot.key } }, shift?.officerId ?? '')
  // Text, not type=time: a time input shows 12-hour "01:30 PM" in many browsers; offices write 13:30.
  const hhmm = (cls, value, label, pattern) =>
    h('input', { type: 'text', class: cls, value, inputmode: 'numeric', size: 5, maxlength: 5, pattern, required: true, placeholder: 'hh:mm', 'aria-label': label })
  const from = hhmm('shift-from', shift?.from ?? slot.from, `${where}: ${t('start')}`, '([01][0-9]|2[0-3]):[0-5][0-9]')
  const to = hhmm('shift-to', shift?.to ?? slot.to, `${where}: ${t('end')}`, '([01][0-9]|2[0-3]):[0-5][0-9]|24:00')
  const sync = () => {
    from.disabled = to.disabled = who.value === ''
  }
  sync()
  for (const el of [who, from, to]) el.addEventListener('change', () => (sync(), markDirty()))
  const td = h('td', { class: 'shift-cell', 'data-label': t(slot.key) }, who, h('span', { class: 'shift-hours' }, from, h('span', { 'aria-hidden': 'true' }, '–'), to))
  td.fill = (s) => {
    who.value = s?.officerId && officers.some((o) => o.id === s.officerId) ? s.officerId : ''
    from.value = s?.from ?? slot.from
    to.value = s?.to ?? slot.to
    sync()
  }
  td.read = () => (who.value ? { weekday: day, officer: who.value, from: from.value, to: to.value } : null)
  return td
}

function grid(ctx, counter, allShifts) {
  const { d } = ctx
  const mine = allShifts.filter((s) => s.counterId === counter.id)
  // The counter's office's active officers, and anyone already scheduled here.
  const officers = d.officers.filter((o) => o.officeId === counter.officeId && (o.active || mine.some((s) => s.officerId === o.id)))
  const status = h('p', { class: 'grid-status', role: 'status', id: 'shift-status' })
  const markDirty = () => (status.textContent = t('unsaved'))
  const { cells } = layout(mine)
  let { other } = layout(mine)
  const tds = new Map()
  const rows = DAYS.map((day) =>
    h(
      'tr',
      { dataset: { day } },
      h('th', { scope: 'row' }, fmt.weekday(day)),
      SLOTS.map((slot) => {
        const c = cell(day, slot, officers, cells.get(`${day}-${slot.key}`), markDirty)
        tds.set(`${day}-${slot.key}`, c)
        return c
      }),
    ),
  )
  const otherList = h('ul', { class: 'other-shifts' })
  const otherWrap = h('div', { class: 'other-wrap' }, h('h3', {}, t('otherShifts')), otherList)
  const showOther = () => {
    otherList.replaceChildren(...other.map((s) => h('li', {}, `${fmt.weekday(s.weekday)} ${s.from}–${s.to}: ${ctx.nameOf('officer', s.officerId)}`)))
    otherWrap.hidden = other.length === 0
  }
  showOther()

  const table = h(
    'table',
    { class: 'shift-grid', id: 'shift-grid' },
    h('caption', {}, `${t('shiftsOf')} ${counter.name}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('weekday')), SLOTS.map((s) => h('th', { scope: 'col' }, t(s.key))))),
    h('tbody', {}, rows),
  )

  const mondayToWeek = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'monday-to-week',
      onclick: () => {
        for (const day of [2, 3, 4, 5]) for (const slot of SLOTS) tds.get(`${day}-${slot.key}`).fill(toShift(tds.get(`1-${slot.key}`).read()))
        markDirty()
      },
    },
    t('mondayToWeek'),
  )

  const others = d.counters.filter((c) => c.id !== counter.id && c.officeId === counter.officeId)
  const source = select(others.map((c) => [c.id, c.name]), { id: 'copy-source', 'aria-label': t('copyWeekFrom') })
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'copy-week',
      onclick: () => {
        const from = layout(allShifts.filter((s) => s.counterId === source.value))
        for (const [key, td] of tds) td.fill(from.cells.get(key))
        other = from.other
        showOther()
        markDirty()
      },
    },
    t('copyWeek'),
  )

  const save = h(
    'button',
    {
      type: 'button',
      id: 'save-week',
      onclick: async () => {
        const bad = table.querySelector('input:enabled:invalid')
        if (bad) {
          status.textContent = `${t('error')}: ${t('badTime')}`
          bad.focus()
          return
        }
        const shifts = [...[...tds.values()].map((td) => td.read()).filter(Boolean), ...other.map((s) => ({ weekday: s.weekday, officer: s.officerId, from: s.from, to: s.to }))]
        try {
          await call('PUT', `/api/shifts/week/${encodeURIComponent(counter.id)}`, { shifts })
          notice(t('weekSaved'))
          await ctx.refresh()
        } catch (err) {
          const text = errorText(err, ctx.nameOf)
          status.textContent = `${t('error')}: ${text}`
          notice(`${t('error')}: ${text}`, 'error')
        }
      },
    },
    t('saveWeek'),
  )

  return [
    h('div', { class: 'table-wrap grid-wrap' }, table),
    otherWrap,
    h('div', { class: 'actions' }, save, mondayToWeek, status),
    others.length
      ? h('div', { class: 'copy-week' }, h('h3', {}, t('copyWeekFrom')), h('p', { class: 'hint' }, t('copyWeekHint')), h('div', { class: 'actions' }, source, copy))
      : null,
  ]
}

const toShift = (r) => (r ? { officerId: r.officer, from: r.from, to: r.to } : null)

export const shiftViews = {
  async shifts(ctx) {
    const { d } = ctx
    const { shifts } = await call('GET', '/api/shifts')
    if (!d.counters.length) return [h('p', {}, t('noData'))]
    if (!d.counters.some((c) => c.id === chosen)) chosen = d.counters[0].id
    const counter = d.counters.find((c) => c.id === chosen)
    const picker = select(
      d.counters.map((c) => [c.id, c.name]),
      {
        id: 'shift-counter',
        onchange: (e) => {
          chosen = e.target.value
          ctx.refresh()
        },
      },
      chosen,
    )
    return [h('label', { class: 'inline-label' }, t('shiftsOf'), picker), ...grid(ctx, counter, shifts)]
  },
}
