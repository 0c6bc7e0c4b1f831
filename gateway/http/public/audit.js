// The audit trail (admins; an office head their own office): who signed whom in, moved a
// box, edited a shift or an account, when and from where, for a period, a counter or an
// officer; the CSV for the same period goes with a report. Admins also see whether the hash
// chain is intact.
import { t, fmt, addWords, errorText } from './i18n.js'
import { h, api } from './dom.js'

addWords({
  vi: {
    audit: 'Nhật ký',
    auditTitle: 'Nhật ký thay đổi',
    auditWhen: 'Thời điểm',
    auditWho: 'Người thực hiện',
    auditFrom: 'Từ đâu',
    auditWhat: 'Hành động',
    auditSubject: 'Đối tượng',
    auditEffective: 'Có hiệu lực từ',
    auditDetails: 'Chi tiết',
    auditEmpty: 'Không có thay đổi nào trong kỳ này.',
    auditIntact: 'Chuỗi nhật ký toàn vẹn ({count} mục).',
    auditBroken: 'Chuỗi nhật ký bị sửa hoặc xoá tại mục {id}: {problem}',
    auditTruncated: 'Chỉ hiện {n} mục đầu; tải CSV để xem đủ.',
    allCounters: 'Tất cả quầy',
    allOfficers: 'Tất cả cán bộ',
    'action_duty.sign-in': 'Nhận quầy',
    'action_duty.sign-out': 'Rời quầy',
    'action_shift.add': 'Thêm ca',
    'action_shift.remove': 'Xoá ca',
    'action_box.provision': 'Cấp hộp',
    'action_box.rotate-secret': 'Đổi mã bí mật hộp',
    'action_box.assign': 'Chuyển hộp',
    'action_box.retire': 'Ngừng dùng hộp',
    'action_office.save': 'Sửa đơn vị',
    'action_counter.save': 'Sửa quầy',
    'action_officer.save': 'Sửa cán bộ',
    'action_officer.active': 'Bật/tắt cán bộ',
    'action_registry.import': 'Nạp tệp cấu hình',
    'action_user.create': 'Tạo tài khoản',
    'action_user.update': 'Sửa tài khoản',
    'action_user.remove': 'Xoá tài khoản',
    'action_alert.acknowledged': 'Xác nhận cảnh báo',
  },
  en: {
    audit: 'Audit',
    auditTitle: 'Audit trail',
    auditWhen: 'When',
    auditWho: 'By',
    auditFrom: 'From',
    auditWhat: 'Action',
    auditSubject: 'Subject',
    auditEffective: 'Effective from',
    auditDetails: 'Details',
    auditEmpty: 'No changes in this period.',
    auditIntact: 'Audit chain intact ({count} entries).',
    auditBroken: 'Audit chain changed or cut at entry {id}: {problem}',
    auditTruncated: 'Only the first {n} entries are shown; download the CSV for all.',
    allCounters: 'All counters',
    allOfficers: 'All officers',
    'action_duty.sign-in': 'Sign-in',
    'action_duty.sign-out': 'Sign-out',
    'action_shift.add': 'Shift added',
    'action_shift.remove': 'Shift removed',
    'action_box.provision': 'Box provisioned',
    'action_box.rotate-secret': 'Box secret changed',
    'action_box.assign': 'Box moved',
    'action_box.retire': 'Box retired',
    'action_office.save': 'Office saved',
    'action_counter.save': 'Counter saved',
    'action_officer.save': 'Officer saved',
    'action_officer.active': 'Officer (de)activated',
    'action_registry.import': 'Config file applied',
    'action_user.create': 'Account created',
    'action_user.update': 'Account changed',
    'action_user.remove': 'Account removed',
    'action_alert.acknowledged': 'Alert acknowledged',
  },
})

export function mount(el, { session }) {
  const user = session.user
  const today = fmt.todayIso()
  const params = new URLSearchParams(location.search)
  const state = {
    from: params.get('from') ?? today.slice(0, 8) + '01',
    to: params.get('to') ?? today,
    counter: params.get('counter') ?? '',
    officer: params.get('officer') ?? '',
  }
  let stopped = false
  const results = h('div', { id: 'audit-results' })
  const chain = h('p', { id: 'audit-chain' })
  const input = (name) => h('input', { id: 'audit-' + name, name, type: 'date', value: state[name], required: true, onchange: (e) => (state[name] = e.target.value) })
  const select = (name, all) => h('select', { id: 'audit-' + name, onchange: (e) => (state[name] = e.target.value) }, h('option', { value: '' }, all))
  const counterSelect = select('counter', t('allCounters'))
  const officerSelect = select('officer', t('allOfficers'))

  const query = () => {
    const q = new URLSearchParams({ from: state.from, to: state.to })
    if (state.counter) q.set('counter', state.counter)
    if (state.officer) q.set('officer', state.officer)
    return q.toString()
  }

  const cell = (v) => h('td', {}, v ?? '—')
  async function show() {
    history.replaceState(null, '', '/audit?' + query())
    try {
      const { entries, truncated } = await api('GET', '/api/audit?' + query())
      if (stopped) return
      const rows = entries.map((e) =>
        h(
          'tr',
          { dataset: { id: e.id } },
          cell(fmt.dateTime(e.at)),
          cell(e.actor),
          cell(e.source),
          cell(t('action_' + e.action)),
          cell(e.subject),
          cell(e.effectiveAt === null ? null : fmt.dateTime(e.effectiveAt)),
          h('td', { class: 'details' }, e.details === '{}' ? '' : e.details),
        ),
      )
      results.replaceChildren(
        entries.length === 0
          ? h('p', {}, t('auditEmpty'))
          : h(
              'table',
              { id: 'audit-table' },
              h('thead', {}, h('tr', {}, ['auditWhen', 'auditWho', 'auditFrom', 'auditWhat', 'auditSubject', 'auditEffective', 'auditDetails'].map((k) => h('th', {}, t(k))))),
              h('tbody', {}, rows),
            ),
        // (replaceChildren would write a null as the text "null")
        ...(truncated ? [h('p', { class: 'warning' }, t('auditTruncated', { n: entries.length }))] : []),
        h('p', { class: 'actions' }, h('a', { id: 'audit-csv', class: 'button', href: '/api/audit?' + query() + '&format=csv&sep=semicolon', download: '' }, t('downloadCsv'))),
      )
    } catch (err) {
      results.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${errorText(err)}`))
    }
  }

  el.replaceChildren(
    h('h2', {}, t('auditTitle')),
    ...(user.role === 'admin' ? [chain] : []),
    h(
      'form',
      { class: 'filters', id: 'audit-form', onsubmit: (e) => (e.preventDefault(), show()) },
      h('label', {}, t('from'), input('from')),
      h('label', {}, t('to'), input('to')),
      h('label', {}, t('counter'), counterSelect),
      h('label', {}, t('officer'), officerSelect),
      h('button', { type: 'submit', id: 'audit-show' }, t('show')),
    ),
    results,
  )
  Promise.all([api('GET', '/api/counters'), api('GET', '/api/officers')]).then(([{ counters }, { officers }]) => {
    if (stopped) return
    counterSelect.append(...counters.map((c) => h('option', { value: c.id, selected: c.id === state.counter }, c.name)))
    officerSelect.append(...officers.map((o) => h('option', { value: o.id, selected: o.id === state.officer }, o.name)))
  })
  if (user.role === 'admin') {
    api('GET', '/api/audit/verify').then((r) => {
      if (stopped) return
      chain.className = r.ok ? 'ok' : 'error'
      chain.textContent = r.ok ? t('auditIntact', { count: r.count }) : t('auditBroken', { id: r.entry.id, problem: r.problem })
    })
  }
  show()
  return () => {
    stopped = true
  }
}
