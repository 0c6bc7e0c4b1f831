// Rating windows on the dashboard (issue 13): the officer or head opens a window at a counter
// when a citizen has been served ("mời đánh giá"), with an optional ticket or dossier code;
// the boxes there breathe and the citizen's press is tied to it. Mounted by admin.js's
// counters tab (one marked line); POST /api/windows does the work.
import { h, api } from './dom.js'
import { lang, errorText } from './i18n.js'

const TEXT = {
  vi: { title: 'Mời đánh giá (mở phiên đánh giá)', counter: 'Quầy', reference: 'Mã hồ sơ / số phiếu (tuỳ chọn)', open: 'Mở phiên đánh giá', opened: 'Đã mở phiên {id} tại {counter}, hết hạn lúc {until}', rated: 'đã đánh giá', notRated: 'chưa đánh giá' },
  en: { title: 'Invite to rate (open a rating window)', counter: 'Counter', reference: 'Case reference / ticket (optional)', open: 'Open rating window', opened: 'Window {id} opened at {counter}, until {until}', rated: 'rated', notRated: 'not rated' },
}
const tx = (key, vars = {}) => (TEXT[lang()] ?? TEXT.en)[key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''))

/** The "open a rating window" control for the given counters ({ id, name }). */
export function windowPanel(counters) {
  const counter = h('select', { 'aria-label': tx('counter'), name: 'counter' }, counters.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)))
  const reference = h('input', { name: 'reference', maxlength: 64, placeholder: tx('reference'), 'aria-label': tx('reference') })
  const status = h('p', { class: 'window-status', role: 'status' })
  const recent = h('ul', { class: 'window-recent' })
  const refresh = async () => {
    const r = await api('GET', `/api/windows?counter=${encodeURIComponent(counter.value)}&limit=5`)
    recent.replaceChildren(...r.windows.map((w) => h('li', {}, `${new Date(w.openedAt).toLocaleTimeString()} ${w.reference ?? ''} — ${w.closedAt === null ? '…' : w.rated ? tx('rated') : tx('notRated')}`)))
  }
  const open = async (e) => {
    e.preventDefault()
    status.textContent = ''
    try {
      const w = await api('POST', '/api/windows', { counter: counter.value, ...(reference.value.trim() ? { reference: reference.value.trim() } : {}) })
      status.textContent = tx('opened', { id: w.id, counter: w.counterId, until: new Date(w.expiresAt).toLocaleTimeString() })
      reference.value = ''
      await refresh()
    } catch (err) {
      status.textContent = errorText(err)
    }
  }
  counter.addEventListener('change', () => refresh().catch(() => {}))
  if (counters.length > 0) refresh().catch(() => {})
  return h('section', { class: 'window-panel', id: 'window-panel' }, h('h3', {}, tx('title')), h('form', { onsubmit: open }, counter, reference, h('button', { type: 'submit' }, tx('open'))), status, recent)
}
