// Admin sections for users (create, remove, reset a forgotten password -> a one-time password
// shown once, which the user must change at login) and the alert thresholds (office days as
// named weekdays, never numbers).
import { t, fmt } from './i18n.js'
import { h } from './dom.js'
import { call } from './admin-api.js'
import { table, td, input, select, form, run, shownOnce, reveal } from './admin-ui.js'
import { nameOf, officeOptions } from './admin-registry.js'

function userRow(ctx, u) {
  const self = u.id === ctx.user.id
  const reset = async () => {
    if (!confirm(t('confirmReset', { user: u.username }))) return
    const r = await run(ctx, async () => {
      const answer = await call('POST', `/api/users/${u.id}/reset-password`)
      // Shown once, right under the users table the admin is looking at.
      ctx.after = (body) => {
        const box = shownOnce('one-time-password', t('oneTimePassword', { user: answer.username }), answer.password)
        body.querySelector('#users-table')?.closest('.table-wrap')?.after(box)
        reveal(box)
      }
      return answer
    })
    return r
  }
  return h(
    'tr',
    { dataset: { user: u.username } },
    td(t('username'), u.username, u.mustChangePassword ? h('span', { class: 'badge' }, t('mustChangeBadge')) : null),
    td(t('role'), t('role_' + u.role)),
    td(t('office'), u.officeId ? nameOf(ctx.d.offices, u.officeId) : '—'),
    td(
      '',
      self
        ? h('a', { href: '/password' }, t('changePassword'))
        : h(
            'div',
            { class: 'actions' },
            h('button', { class: 'secondary', 'data-action': 'reset', onclick: reset }, t('resetPassword')),
            h('button', { class: 'danger', onclick: () => confirm(t('confirmRemove', { what: u.username })) && run(ctx, () => call('DELETE', `/api/users/${u.id}`)) }, t('remove')),
          ),
    ),
  )
}

function officeDays(selected, disabled) {
  return h(
    'fieldset',
    { class: 'weekdays', id: 'office-days' },
    h('legend', {}, t('officeDays')),
    [1, 2, 3, 4, 5, 6, 7].map((n) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: n, checked: selected.includes(n), disabled }), fmt.weekday(n))),
  )
}

export const userViews = {
  async users(ctx) {
    if (!ctx.isAdmin) return []
    const { users } = await call('GET', '/api/users')
    return [
      table([t('username'), t('role'), t('office'), ''], users.map((u) => userRow(ctx, u)), 'users-table', t('users')),
      form(
        ctx,
        'user-form',
        [
          ['username', t('username'), input({ pattern: '[A-Za-z0-9_.@\\-]{1,64}', autocomplete: 'off' })],
          ['password', t('password'), input({ type: 'password', minlength: 10, autocomplete: 'new-password' })],
          ['role', t('role'), select(['head', 'viewer', 'officer', 'admin'].map((r) => [r, t('role_' + r)]))],
          ['officeId', t('office'), select([['', '—'], ...officeOptions(ctx.d)])],
          // An officer account sees only this officer's own results (its office is the officer's).
          ['officerId', t('officer'), select([['', '—'], ...ctx.d.officers.map((o) => [o.id, `${o.name} (${nameOf(ctx.d.offices, o.officeId)})`])])],
        ],
        t('add'),
        (v) => call('POST', '/api/users', { ...v, officeId: v.role === 'officer' ? null : v.officeId || null, officerId: v.role === 'officer' ? v.officerId || null : null }),
      ),
    ]
  },
  async alertSettings(ctx) {
    const s = await call('GET', '/api/alert-settings')
    const fields = [
      ['frownWindowMin', input({ type: 'number', min: 5, max: 1440, value: s.frownWindowMin })],
      // A percentage, not 0.3: no decimal separator to get wrong in either language.
      ['frownShare', input({ type: 'number', min: 0, max: 100, step: 1, value: Math.round(s.frownShare * 100) })],
      ['frownMinCount', input({ type: 'number', min: 1, value: s.frownMinCount })],
      // 24-hour text like the shift grid (a time input may show "05:00 PM").
      ['officeFrom', input({ value: s.officeFrom, inputmode: 'numeric', size: 5, pattern: '([01][0-9]|2[0-3]):[0-5][0-9]', placeholder: 'hh:mm' })],
      ['officeTo', input({ value: s.officeTo, inputmode: 'numeric', size: 5, pattern: '([01][0-9]|2[0-3]):[0-5][0-9]|24:00', placeholder: 'hh:mm' })],
      ['rejectedWindowMin', input({ type: 'number', min: 1, value: s.rejectedWindowMin })],
    ]
    if (!ctx.isAdmin) fields.forEach(([, el]) => (el.disabled = true))
    const days = officeDays(s.officeDays, !ctx.isAdmin)
    const f = form(ctx, 'alert-form', fields.map(([k, el]) => [k, t(k), el]), t('save'), (v) =>
      call('PUT', '/api/alert-settings', {
        ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'officeFrom' || k === 'officeTo' ? x : k === 'frownShare' ? Number(x) / 100 : Number(x)])),
        officeDays: [...days.querySelectorAll('input:checked')].map((el) => Number(el.value)),
      }),
    )
    f.querySelector('button[type=submit]').before(days)
    return [f]
  },
}
