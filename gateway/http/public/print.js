// The report a unit prints, signs and sends to its province, in the layout of Vietnamese
// administrative documents (Decree 30/2020/NĐ-CP): issuing unit and number on the left, the
// national title and motto on the right, place and date, title, the figures by officer and by
// counter against the previous period and a year before, signature blocks, "Nơi nhận". It is
// a Vietnamese document whatever the dashboard's language, so its words live here.
// A4 portrait (style.css @media print); names never wrap.
import { errorText } from './i18n.js'
import { h, api } from './dom.js'
import { DEFAULT_LEVELS } from './scale.js'

const int = (n) => new Intl.NumberFormat('vi-VN').format(n)
// A no-break space keeps "85,0 %" on one line in a narrow column.
const pct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1).replace('.', ',') + '\u00a0%')
const points = (c) => (c.satisfaction === null ? '—' : (c.satisfaction > 0 ? '+' : '') + (c.satisfaction * 100).toFixed(1).replace('.', ','))
const dmy = (d) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`
const name = (r) => (r.key === 'unattributed' ? 'Chưa xác định cán bộ' : r.key === 'unassigned' ? 'Chưa gắn quầy' : r.name)

/** /print?office=ID&period=2026-Q4 (or &from=&to=; the older &year=&quarter= still works). */
export function mount(el) {
  const p = new URLSearchParams(location.search)
  const q = new URLSearchParams({ office: p.get('office') ?? '' })
  if (p.get('period')) q.set('period', p.get('period'))
  else if (p.get('from')) {
    q.set('from', p.get('from'))
    q.set('to', p.get('to') ?? '')
  } else q.set('period', `${p.get('year')}-Q${p.get('quarter')}`)
  if (p.get('date')) q.set('date', p.get('date'))
  let stopped = false
  api('GET', '/api/reports/official?' + q)
    .then((r) => {
      if (stopped) return
      el.replaceChildren(h('p', { class: 'no-print' }, h('button', { id: 'print-now', onclick: () => window.print() }, 'In báo cáo')), officialDocument(r))
    })
    .catch((err) => el.replaceChildren(h('p', { class: 'error' }, `Lỗi: ${errorText(err)}`)))
  return () => {
    stopped = true
  }
}

function officialDocument(r) {
  const L = r.layout
  const [y, m, d] = r.date.split('-')
  const dated = `${L.place ? L.place + ', ngày' : 'Ngày'} ${d} tháng ${m} năm ${y}`
  const t = r.byOfficer.totals
  // The deployment's levels, best first, with their Vietnamese labels and the rate's definition.
  const levels = r.byOfficer.scale ?? DEFAULT_LEVELS
  const defined = r.byOfficer.definition?.vi
  const vsPrev = r.byOfficer.totalsVsPrevious
  const vsYear = r.byOfficer.totalsVsYearAgo
  return h(
    'article',
    { class: 'printable official', id: 'quarterly' },
    h(
      'table',
      { class: 'doc-head' },
      h(
        'tr',
        {},
        h('td', { class: 'issuer' }, L.authority ? h('div', { class: 'authority' }, L.authority) : null, h('div', { class: 'unit' }, L.unit), h('hr'), h('div', { class: 'number' }, L.number)),
        h('td', { class: 'nation' }, h('div', { class: 'nation-title' }, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'), h('div', { class: 'motto' }, 'Độc lập - Tự do - Hạnh phúc'), h('hr'), h('div', { class: 'dated' }, dated)),
      ),
    ),
    h('h1', {}, 'BÁO CÁO', h('span', { class: 'subtitle' }, L.title), h('span', { class: 'subtitle' }, r.period.label)),
    h('p', {}, `Kỳ báo cáo: từ ngày ${dmy(r.period.from)} đến ngày ${dmy(r.period.to)}. Đơn vị: ${r.office.name}.`),
    h('h2', {}, '1. Kết quả chung'),
    h(
      'p',
      { class: 'headline' },
      `Tổng số lượt đánh giá: ${int(t.total)}; ` + levels.map((l) => `${l.label}: ${int(t[l.id] ?? 0)}`).join('; ') + `. Tỷ lệ hài lòng: ${pct(t.satisfaction)}.`,
    ),
    h('p', { class: 'compare' }, compareText(r.byOfficer.previous, vsPrev), ' ', compareText(r.byOfficer.yearAgo, vsYear)),
    h('h2', {}, '2. Kết quả theo cán bộ'),
    table(r.byOfficer, 'Họ và tên', levels),
    h('h2', {}, '3. Kết quả theo quầy'),
    table(r.byCounter, 'Quầy', levels),
    h('p', { class: 'definition' }, `Ghi chú: ${defined ? `${defined.satisfaction}. ${defined.index}.` : 'Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số.'} Xếp hạng theo cận dưới khoảng tin cậy Wilson 95%; dưới 10 lượt đánh giá: "Quá ít", không xếp hạng. Bấm lặp và bấm dồn dập không được tính. Số liệu lập lúc ${stamp(r.generatedAt, r.timezone)}.`),
    // The history behind the figures: an auditor checks it later with
    // `chamdiem audit verify --against N:HASH` (a chain rewritten as a whole differs there).
    r.audit ? h('p', { class: 'audit-anchor', id: 'audit-anchor' }, `Nhật ký thay đổi đến mục ${int(r.audit.entry)}, mã kiểm tra ${r.audit.hash} (đối chiếu: chamdiem audit verify --against ${r.audit.entry}:${r.audit.hash}).`) : null,
    h(
      'div',
      { class: 'sign-area' },
      h('div', { class: 'recipients' }, h('div', { class: 'recipients-title' }, 'Nơi nhận:'), L.recipients.map((x) => h('div', {}, '- ' + x))),
      L.signatories.map((s) => h('div', { class: 'signatory' }, h('div', { class: 'role' }, s.role), h('div', { class: 'hint' }, '(Ký, ghi rõ họ tên)'), h('div', { class: 'signer' }, s.name || ''))),
    ),
  )
}

/** 13:31 ngày 28/11/2026, in the office's time zone. */
function stamp(ms, timeZone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms).map((x) => [x.type, x.value]))
  return `${p.hour}:${p.minute} ngày ${p.day}/${p.month}/${p.year}`
}

function compareText(then, change) {
  if (!then.totals.total) return `${then.period.label}: không có đánh giá để so sánh.`
  return `So với ${then.period.label} (${int(then.totals.total)} lượt, tỷ lệ hài lòng ${pct(then.totals.satisfaction)}): ${points(change)} điểm %.`
}

function table(report, what, levels) {
  const cells = (f, extra) => [...levels.map((l) => h('td', { class: 'n' }, int(f[l.id] ?? 0))), h('td', { class: 'n' }, int(f.total)), h('td', { class: 'n' }, pct(f.satisfaction)), ...extra]
  return h(
    'table',
    { class: 'report official-table' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'STT'), h('th', {}, what), levels.map((l) => h('th', {}, l.label)), h('th', {}, 'Tổng số'), h('th', {}, 'Tỷ lệ hài lòng'), h('th', {}, 'Xếp hạng'), h('th', {}, 'So với kỳ trước (điểm %)')),
    ),
    h(
      'tbody',
      {},
      report.rows.length
        ? report.rows.map((r, i) =>
            h('tr', { dataset: { key: r.key } }, h('td', { class: 'n' }, String(i + 1)), h('td', { class: 'name' }, name(r)), cells(r, [h('td', { class: 'n' }, r.rank ?? (r.tooFew ? 'Quá\u00a0ít' : '—')), h('td', { class: 'n' }, points(r.vsPrevious))])),
          )
        : h('tr', {}, h('td', { colspan: 6 + levels.length }, 'Không có đánh giá trong kỳ.')),
    ),
    h('tfoot', {}, h('tr', {}, h('td', {}), h('th', { class: 'name' }, 'Tổng cộng'), cells(report.totals, [h('td', {}), h('td', { class: 'n' }, points(report.totalsVsPrevious))]))),
  )
}
