// Rating windows on the dashboard (issue 13): the officer or head opens a window at a counter
// when a citizen has been served ("mời đánh giá"), with an optional ticket or dossier code;
// the boxes there breathe and the citizen's press is tied to it. Below, the response rate of
// today (GET /api/reports/windows) and which rule applies to presses with no window. Mounted by
// admin.js's counters tab (one marked line); POST /api/windows does the work.
import { h, api } from './dom.js'
import { lang, errorText, fmt } from './i18n.js'

const TEXT = {
  vi: {
    title: 'Mời đánh giá (mở phiên đánh giá)', counter: 'Quầy', reference: 'Mã hồ sơ / số phiếu (tuỳ chọn)', open: 'Mở phiên đánh giá',
    opened: 'Đã mở phiên đánh giá tại {counter}{reference}, hết hạn lúc {until}', isOpen: 'đang mở', rated: 'đã đánh giá', notRated: 'chưa đánh giá', recent: 'Các phiên gần đây',
    report: 'Tỷ lệ phản hồi hôm nay', totals: 'Đã mở {opened} phiên, {rated} phiên được đánh giá: tỷ lệ phản hồi {rate}',
    opens: 'Số phiên đã mở', rateds: 'Số phiên được đánh giá', rate: 'Tỷ lệ phản hồi', none: 'Hôm nay chưa mở phiên đánh giá nào',
    rule: '{office}: lượt bấm ngoài phiên đánh giá {rule}', counted: 'được tính (có đánh dấu)', notCounted: 'không được tính',
  },
  en: {
    title: 'Invite to rate (open a rating window)', counter: 'Counter', reference: 'Case reference / ticket (optional)', open: 'Open rating window',
    opened: 'Rating window opened at {counter}{reference}, until {until}', isOpen: 'open', rated: 'rated', notRated: 'not rated', recent: 'Recent windows',
    report: 'Response rate today', totals: '{opened} windows opened, {rated} rated: response rate {rate}',
    opens: 'Windows opened', rateds: 'Windows rated', rate: 'Response rate', none: 'No rating window opened today',
    rule: '{office}: presses outside any rating window {rule}', counted: 'are counted (flagged)', notCounted: 'are not counted',
  },
}
const tx = (key, vars = {}) => (TEXT[lang()] ?? TEXT.en)[key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''))
/** While a window is open, how often the panel looks whether it was rated. */
const POLL_MS = 1500

/** The "open a rating window" control for the given counters ({ id, name }), and today's response rate. */
export function windowPanel(counters, offices = []) {
  const nameOf = (list, id) => list.find((x) => x.id === id)?.name ?? id
  const counter = h('select', { name: 'counter' }, counters.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)))
  const reference = h('input', { name: 'reference', maxlength: 64, size: 32 })
  const status = h('p', { class: 'window-status', role: 'status' })
  const recent = h('ul', { class: 'window-recent', 'aria-label': tx('recent') })
  const report = h('div', { class: 'window-report', id: 'window-report' })
  let poll

  const stateOf = (w) => (w.closedAt === null ? 'open' : w.rated ? 'rated' : 'notRated')
  const showReport = (r) => {
    const rows = r.byCounter.map((c) =>
      h('tr', { dataset: { counter: c.id } }, h('td', {}, nameOf(counters, c.id)), h('td', { class: 'n' }, fmt.int(c.opened)), h('td', { class: 'n' }, fmt.int(c.rated)), h('td', { class: 'n', dataset: { field: 'responseRate' } }, fmt.pct(c.responseRate))),
    )
    report.replaceChildren(
      h('h4', {}, tx('report')),
      r.totals.opened === 0
        ? h('p', { class: 'muted' }, tx('none'))
        : h('p', { class: 'window-totals' }, tx('totals', { opened: fmt.int(r.totals.opened), rated: fmt.int(r.totals.rated), rate: fmt.pct(r.totals.responseRate) })),
      rows.length === 0
        ? null
        : // A region that may scroll sideways on a phone: focusable, so a keyboard can scroll it (WCAG 2.1.1).
          h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': tx('report') },
            h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, tx('counter')), [tx('opens'), tx('rateds'), tx('rate')].map((x) => h('th', { class: 'n' }, x)))), h('tbody', {}, rows)),
          ),
      ...(r.noWindowCounts ?? []).map((o) => h('p', { class: 'window-rule', dataset: { office: o.officeId } }, tx('rule', { office: nameOf(offices, o.officeId), rule: tx(o.counted ? 'counted' : 'notCounted') }))),
    )
  }
  const refresh = async () => {
    clearTimeout(poll)
    const [r, rep] = await Promise.all([api('GET', `/api/windows?counter=${encodeURIComponent(counter.value)}&limit=5`), api('GET', '/api/reports/windows')])
    recent.replaceChildren(
      ...r.windows.map((w) => h('li', { dataset: { id: w.id, state: stateOf(w) } }, `${fmt.time(w.openedAt)} ${w.reference ?? ''} — ${tx(stateOf(w) === 'open' ? 'isOpen' : stateOf(w))}`)),
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
      status.textContent = tx('opened', { counter: nameOf(counters, w.counterId), reference: w.reference ? ` (${w.reference})` : '', until: fmt.time(w.expiresAt) })
      reference.value = ''
      await refresh()
    } catch (err) {
      status.textContent = errorText(err)
    }
  }
  counter.addEventListener('change', () => refresh().catch(() => {}))
  if (counters.length > 0) refresh().catch(() => {})
  return h('section', { class: 'window-panel', id: 'window-panel' }, h('h3', {}, tx('title')), h('form', { class: 'filters', onsubmit: open }, h('label', {}, tx('counter'), counter), h('label', {}, tx('reference'), reference), h('button', { type: 'submit' }, tx('open'))), status, recent, report)
}
