// Admin sections for boxes (provision -> the secret shown once, right under the provision
// button with a copy button; move; retire) and duty (who is signed in at which counter).
import { t, fmt } from './i18n.js'
import { h } from './dom.js'
import { call } from './admin-api.js'
import { table, td, input, select, form, run, shownOnce, reveal } from './admin-ui.js'
import { nameOf } from './admin-registry.js'

const counterOptions = (d) => d.counters.map((c) => [c.id, `${c.name} (${c.id})`])
const officerOptions = (d) => d.officers.filter((o) => o.active).map((o) => [o.id, `${o.name} (${o.id})`])

function boxRow(ctx, b) {
  const { d } = ctx
  // The move list starts at the box's own counter: a stray click moves nothing.
  const to = select([...(b.counterId ? [] : [['', '—']]), ...counterOptions(d)], { 'aria-label': t('moveTo', { box: b.id }) }, b.counterId ?? '')
  const state = b.retiredAt ? t('retired') : t(b.online ? 'online' : 'offline')
  return h(
    'tr',
    { dataset: { box: b.id } },
    td(t('id'), b.id),
    td(t('counter'), nameOf(d.counters, b.counterId)),
    td(t('state'), h('span', { class: 'state ' + (b.retiredAt ? 'retired' : b.online ? 'online' : 'offline') }, state)),
    td(t('lastSeen'), b.lastSeenAt ? fmt.dateTime(b.lastSeenAt) : t('never')),
    td(t('lastPress'), b.lastPressAt ? fmt.dateTime(b.lastPressAt) : t('never')),
    td(
      '',
      b.retiredAt
        ? null
        : h(
            'div',
            { class: 'actions' },
            to,
            h('button', { class: 'secondary', onclick: () => to.value && run(ctx, () => call('POST', `/api/boxes/${b.id}/move`, { counter: to.value })) }, t('move')),
            h('button', { class: 'danger', onclick: () => confirm(t('confirmRetire', { box: b.id })) && run(ctx, () => call('POST', `/api/boxes/${b.id}/retire`)) }, t('retire')),
          ),
    ),
  )
}

export const boxViews = {
  async boxes(ctx) {
    const { d } = ctx
    const { boxes } = await call('GET', '/api/boxes')
    const provision = form(ctx, 'box-form', [['id', t('id'), input({ pattern: '[A-Za-z0-9_\\-]{1,64}' })], ['counter', t('counter'), select(counterOptions(d))]], t('provision'), async (v) => {
      const r = await call('POST', '/api/boxes', { id: v.id, counter: v.counter })
      // Shown once (the server keeps only a hash): right under the button just clicked.
      ctx.after = (body) => {
        const box = shownOnce('new-secret', t('secretOnce', { box: r.id }), r.secret, t('secretCopyHint'))
        body.querySelector('#box-form')?.after(box)
        reveal(box)
      }
    })
    return [
      table([t('id'), t('counter'), t('state'), t('lastSeen'), t('lastPress'), ''], boxes.map((b) => boxRow(ctx, b)), 'boxes-table', t('boxes')),
      h('h2', {}, t('provision')),
      provision,
    ]
  },
  async duty(ctx) {
    const { d } = ctx
    const { sessions } = await call('GET', '/api/duty')
    const rows = sessions.map((s) =>
      h(
        'tr',
        {},
        td(t('counter'), nameOf(d.counters, s.counterId)),
        td(t('officer'), s.officerId ? nameOf(d.officers, s.officerId) : '—'),
        td(t('start'), fmt.time(s.startMs)),
        td(t('end'), s.endMs ? fmt.time(s.endMs) : t('open')),
        td('', !s.endMs && s.officerId ? h('button', { class: 'secondary', onclick: () => run(ctx, () => call('POST', '/api/duty/sign-out', { officer: s.officerId })) }, t('signOut')) : null),
      ),
    )
    return [
      table([t('counter'), t('officer'), t('start'), t('end'), ''], rows, 'duty-table', t('duty')),
      form(ctx, 'duty-form', [['officer', t('officer'), select(officerOptions(d))], ['counter', t('counter'), select(counterOptions(d))]], t('signIn'), (v) => call('POST', '/api/duty/sign-in', v)),
    ]
  },
}
