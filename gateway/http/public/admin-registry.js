// Admin sections for the office's registry: offices, counters, officers.
import { t } from './i18n.js'
import { h } from './dom.js'
import { call } from './admin-api.js'
import { table, td, input, select, form, run } from './admin-ui.js'
import { windowPanel } from './windows.js'

const ID_PATTERN = '[A-Za-z0-9_.\\-]{1,64}'
export const nameOf = (list, id) => list.find((x) => x.id === id)?.name ?? id ?? '—'
export const officeOptions = (d) => d.offices.map((o) => [o.id, o.name])

export const registryViews = {
  async offices(ctx) {
    const { d } = ctx
    return [
      table([t('id'), t('name')], d.offices.map((o) => h('tr', {}, td(t('id'), o.id), td(t('name'), o.name))), 'offices-table', t('offices')),
      form(ctx, 'office-form', [['id', t('id'), input({ pattern: ID_PATTERN })], ['name', t('name'), input()]], t('save'), (v) => call('PUT', `/api/offices/${encodeURIComponent(v.id)}`, { name: v.name })),
    ]
  },
  async counters(ctx) {
    const { d } = ctx
    return [
      table([t('id'), t('name'), t('office')], d.counters.map((c) => h('tr', {}, td(t('id'), c.id), td(t('name'), c.name), td(t('office'), nameOf(d.offices, c.officeId)))), 'counters-table', t('counters')),
      form(
        ctx,
        'counter-form',
        [['id', t('id'), input({ pattern: ID_PATTERN })], ['name', t('name'), input()], ['office', t('office'), select(officeOptions(d))]],
        t('save'),
        (v) => call('PUT', `/api/counters/${encodeURIComponent(v.id)}`, { office: v.office, name: v.name }),
      ),
      windowPanel(d.counters, d.offices), // open a rating window at a counter (windows.js, issue 13)
    ]
  },
  async officers(ctx) {
    const { d } = ctx
    const rows = d.officers.map((o) =>
      h(
        'tr',
        {},
        td(t('id'), o.id),
        td(t('name'), o.name),
        td(t('office'), nameOf(d.offices, o.officeId)),
        td(
          t('active'),
          h('input', {
            type: 'checkbox',
            checked: o.active,
            'aria-label': `${t('active')}: ${o.name}`,
            onchange: (e) => run(ctx, () => call('PUT', `/api/officers/${o.id}`, { office: o.officeId, name: o.name, active: e.target.checked })),
          }),
        ),
      ),
    )
    return [
      table([t('id'), t('name'), t('office'), t('active')], rows, 'officers-table', t('officers')),
      form(
        ctx,
        'officer-form',
        [['id', t('id'), input({ pattern: ID_PATTERN })], ['name', t('name'), input()], ['office', t('office'), select(officeOptions(d))]],
        t('save'),
        (v) => call('PUT', `/api/officers/${encodeURIComponent(v.id)}`, { office: v.office, name: v.name }),
      ),
    ]
  },
}
