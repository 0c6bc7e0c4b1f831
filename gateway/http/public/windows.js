// Rating windows on the dashboard (issue 13): the officer or head opens a window at a counter
// when a citizen has been served ("mời đánh giá"), with an optional ticket or dossier code;
// the boxes there breathe and the citizen's press is tied to it. Below, the response rate of
// today (GET /api/reports/windows) and which rule applies to presses with no window. Mounted by
// admin.js's counters tab (one marked line); POST /api/windows does the work.
import { h, api } from './dom.js'
import { addWords, errorText, fmt, t } from './i18n.js'

// Its words, in the shared dictionary (i18n.js) under win_ keys.
addWords({
  vi: {
    win_title: 'Mời đánh giá (mở phiên đánh giá)', win_counter: 'Quầy', win_reference: 'Mã hồ sơ / số phiếu (tuỳ chọn)', win_open: 'Mở phiên đánh giá',
    win_opened: 'Đã mở phiên đánh giá tại {counter}{reference}, hết hạn lúc {until}', win_isOpen: 'đang mở', win_rated: 'đã đánh giá', win_notRated: 'chưa đánh giá', win_recent: 'Các phiên gần đây',
    win_report: 'Tỷ lệ phản hồi hôm nay', win_totals: 'Đã mở {opened} phiên, {rated} phiên được đánh giá: tỷ lệ phản hồi {rate}',
    win_opens: 'Số phiên đã mở', win_rateds: 'Số phiên được đánh giá', win_rate: 'Tỷ lệ phản hồi', win_none: 'Hôm nay chưa mở phiên đánh giá nào',
    win_rule: '{office}: lượt bấm ngoài phiên đánh giá {rule}', win_counted: 'được tính (có đánh dấu)', win_notCounted: 'không được tính',
  },
  en: {
    win_title: 'Invite to rate (open a rating window)', win_counter: 'Counter', win_reference: 'Case reference / ticket (optional)', win_open: 'Open rating window',
    win_opened: 'Rating window opened at {counter}{reference}, until {until}', win_isOpen: 'open', win_rated: 'rated', win_notRated: 'not rated', win_recent: 'Recent windows',
    win_report: 'Response rate today', win_totals: '{opened} windows opened, {rated} rated: response rate {rate}',
    win_opens: 'Windows opened', win_rateds: 'Windows rated', win_rate: 'Response rate', win_none: 'No rating window opened today',
    win_rule: '{office}: presses outside any rating window {rule}', win_counted: 'are counted (flagged)', win_notCounted: 'are not counted',
  },
})
/** While a window is open, how often the panel looks whether it was rated. */
const POLL_MS = 1500

/** The "open a rating window" control for the given counters ({ id, name }), and today's response rate. */
export function windowPanel(counters, offices = []) {
  const nameOf = (list, id) => list.find((x) => x.id === id)?.name ?? id
  const counter = h('select', { name: 'counter' }, counters.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)))
  const reference = h('input', { name: 'reference', maxlength: 64, size: 32 })
  const status = h('p', { class: 'window-status', role: 'status' })
  const recent = h('ul', { class: 'window-recent', 'aria-label': t('win_recent') })
  const report = h('div', { class: 'window-report', id: 'window-report' })
  let poll

  const stateOf = (w) => (w.closedAt === null ? 'open' : w.rated ? 'rated' : 'notRated')
  const showReport = (r) => {
    const rows = r.byCounter.map((c) =>
      h('tr', { dataset: { counter: c.id } }, h('td', {}, nameOf(counters, c.id)), h('td', { class: 'n' }, fmt.int(c.opened)), h('td', { class: 'n' }, fmt.int(c.rated)), h('td', { class: 'n', dataset: { field: 'responseRate' } }, fmt.pct(c.responseRate))),
    )
    report.replaceChildren(
      h('h4', {}, t('win_report')),
      r.totals.opened === 0
        ? h('p', { class: 'muted' }, t('win_none'))
        : h('p', { class: 'window-totals' }, t('win_totals', { opened: fmt.int(r.totals.opened), rated: fmt.int(r.totals.rated), rate: fmt.pct(r.totals.responseRate) })),
      rows.length === 0
        ? null
        : // A region that may scroll sideways on a phone: focusable, so a keyboard can scroll it (WCAG 2.1.1).
          h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('win_report') },
            h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, t('win_counter')), [t('win_opens'), t('win_rateds'), t('win_rate')].map((x) => h('th', { class: 'n' }, x)))), h('tbody', {}, rows)),
          ),
      ...(r.noWindowCounts ?? []).map((o) => h('p', { class: 'window-rule', dataset: { office: o.officeId } }, t('win_rule', { office: nameOf(offices, o.officeId), rule: t(o.counted ? 'win_counted' : 'win_notCounted') }))),
    )
  }
  const refresh = async () => {
    clearTimeout(poll)
    const [r, rep] = await Promise.all([api('GET', `/api/windows?counter=${encodeURIComponent(counter.value)}&limit=5`), api('GET', '/api/reports/windows')])
    recent.replaceChildren(
      ...r.windows.map((w) => h('li', { dataset: { id: w.id, state: stateOf(w) } }, `${fmt.time(w.openedAt)} ${w.reference ?? ''} — ${t(`win_${stateOf(w) === 'open' ? 'isOpen' : stateOf(w)}`)}`)),
    )
    showReport(rep)
    // A citizen rates within the window's time: look again until every window listed is closed.
    if (r.windows.some((w) => w.closedAt === null)) poll = setTimeout(() => recent.isConnected && refresh().catch(() => {}), POLL_MS)
  }
  const open = async (e) => {
    e.preventDefault()
    status.textContent = ''
    try {
      const w = await api('POST', '/api/windows', { counter: counter.value, ...(reference.value.trim() ? { reference: reference.value.trim() } : {}) })
      status.textContent = t('win_opened', { counter: nameOf(counters, w.counterId), reference: w.reference ? ` (${w.reference})` : '', until: fmt.time(w.expiresAt) })
      reference.value = ''
      await refresh()
    } catch (err) {
      status.textContent = errorText(err)
    }
  }
  counter.addEventListener('change', () => refresh().catch(() => {}))
  if (counters.length > 0) refresh().catch(() => {})
  return h('section', { class: 'window-panel', id: 'window-panel' }, h('h3', {}, t('win_title')), h('form', { class: 'filters', onsubmit: open }, h('label', {}, t('win_counter'), counter), h('label', {}, t('win_reference'), reference), h('button', { type: 'submit' }, t('win_open'))), status, recent, report)
}
