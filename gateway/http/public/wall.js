// The wall screen: one office's counters in large type, for the office head's room. No
// controls: it is watched, not used. Every counter fits on the screen at once (the grid is
// sized from the number of counters and the screen's shape; text scales with its cell), it
// updates in place from the event stream, and a red line says when the stream is lost.
// Signed in by a person's session or by a display token (routes/wall.ts).
import { html, render as paint, nothing } from '/static/vendor/lit-html/lit-html.js'
import { repeat } from '/static/vendor/lit-html/directives/repeat.js'
import { t, fmt, setTimeZone, lang } from './i18n.js'
import { openStream } from './stream.js'

import { DEFAULT_LEVELS, FACES, figuresOf, zeroCounts } from './scale.js'
/** Width : height a counter's cell aims for. */
const CELL_ASPECT = 1.35

const office = new URLSearchParams(location.search).get('office') ?? ''
const q = office ? `?office=${encodeURIComponent(office)}` : ''
let snap = null
let buffered = []
let loading = 0
let conn = 'connecting'
let ended = false
let frame = 0

/** The deployment's levels, best first (every snapshot carries them). */
const levels = () => snap?.scale ?? DEFAULT_LEVELS
const satisfaction = (c) => {
  const f = figuresOf(c, levels())
  return { total: f.total, rate: f.satisfaction }
}

async function load() {
  loading++
  try {
    const res = await fetch('/api/wall' + q, { headers: { accept: 'application/json' }, cache: 'no-store' })
    if (res.status === 401) return authLost()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    snap = await res.json()
    // Quầy 2 before Quầy 10: people read the wall in counter order.
    snap.counters.sort((a, b) => a.name.localeCompare(b.name, 'vi', { numeric: true }))
    setTimeZone(snap.timezone)
  } finally {
    loading--
  }
  if (loading === 0) {
    for (const p of buffered.splice(0)) apply(p)
  }
  schedule()
}

function apply(p) {
  if (p.id <= snap.lastPressId || p.repeat || p.timeMs < snap.dayStart || p.timeMs >= snap.dayEnd) return
  snap.lastPressId = p.id
  if (!levels().some((l) => l.id === p.rating)) return
  const c = snap.counters.find((x) => x.id === p.counterId)
  if (c) c.counts[p.rating] = (c.counts[p.rating] ?? 0) + 1
  const o = snap.officers.find((x) => x.officerId === p.officerId && x.officeId === p.officeId)
  if (o) o.counts[p.rating] = (o.counts[p.rating] ?? 0) + 1
  else snap.officers.push({ officerId: p.officerId, officeId: p.officeId, name: null, counts: { ...zeroCounts(levels()), [p.rating]: 1 } })
}

function authLost() {
  // A person's session ended: to the login page, which says why. A display token was revoked: say so here.
  if (snap && !snap.display) location.href = '/login?reason=expired'
  else {
    ended = true
    schedule()
  }
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(() => ((frame = 0), render()))
}

/** Columns and rows so that n cells fill the area with cells as large as possible. */
function grid(n, width, height) {
  let best = { cols: 1, rows: Math.max(n, 1), size: 0 }
  for (let cols = 1; cols <= Math.max(n, 1); cols++) {
    const rows = Math.ceil(n / cols)
    const size = Math.min(width / cols / CELL_ASPECT, height / rows)
    if (size > best.size) best = { cols, rows, size }
  }
  return best
}

const counterCell = (c) => {
  const s = satisfaction(c.counts)
  const offline = c.boxes.some((b) => b.state !== 'online')
  return html`<article class="cell ${s.rate !== null && s.rate < 0.7 ? 'low' : ''}" data-counter=${c.id}>
    <h2>${c.name}</h2>
    <p class="who">${c.officerName ?? t('nobodyOnDuty')}</p>
    <p class="rate" data-field="satisfaction">${fmt.pct(s.rate)}</p>
    <p class="counts">${levels().map(({ id }) => html`<span class=${id} data-rating=${id}>${FACES[id]}${fmt.int(c.counts[id] ?? 0)}</span>`)}</p>
    ${offline ? html`<p class="offline">● ${t('offline')}</p>` : nothing}
  </article>`
}

function render() {
  document.documentElement.lang = lang()
  if (ended) {
    paint(html`<main class="wall-ended"><p role="alert">${t('wallTokenRevoked')}</p></main>`, document.body)
    return
  }
  if (!snap) {
    paint(html`<main class="wall-ended"><p>${t('loading')}</p></main>`, document.body)
    return
  }
  const totals = zeroCounts(levels())
  for (const o of snap.officers) for (const { id } of levels()) totals[id] += o.counts[id] ?? 0
  const all = satisfaction(totals)
  const name = snap.offices.length === 1 ? snap.offices[0].name : t('allOffices')
  const head = document.querySelector('.wall-head')
  const area = { width: window.innerWidth, height: window.innerHeight - (head?.offsetHeight ?? 80) }
  const g = grid(snap.counters.length, area.width, area.height)
  document.title = `${name} — ${t('appName')}`
  paint(
    html`<header class="wall-head">
        <h1>${t('officeToday', { office: name })} · ${fmt.isoDate(snap.date)}</h1>
        <p class="office-rate"><span data-field="satisfaction">${fmt.pct(all.rate)}</span> ${t('satisfaction').toLowerCase()}</p>
        <p class="office-counts">${levels().map(({ id }) => html`<span class=${id}>${FACES[id]} ${fmt.int(totals[id])}</span>`)}</p>
        <p id="connection" class="connection ${conn}" data-state=${conn} role="status">${t(conn === 'open' ? 'connOpen' : conn === 'lost' ? 'connLost' : 'connConnecting')}</p>
      </header>
      <main class="wall-grid" id="wall-grid">${repeat(snap.counters, (c) => c.id, counterCell)}</main>`,
    document.body,
  )
  // Through the CSSOM: the page's policy allows no inline style attributes.
  const main = document.getElementById('wall-grid')
  main.style.setProperty('--cols', String(g.cols))
  main.style.setProperty('--rows', String(g.rows))
}

load().catch(() => {})
openStream('/api/wall/events' + q, {
  onEvent(event, data) {
    if (event === 'presses') for (const p of data) if (snap && loading === 0) apply(p)
      else buffered.push(p)
    else if (event === 'box') for (const c of snap?.counters ?? []) for (const b of c.boxes) if (b.id === data.boxId) b.state = data.state
    if (event === 'refresh' || event === 'hello') load().catch(() => {})
    schedule()
  },
  onState(s) {
    conn = s
    schedule()
  },
  onAuth: authLost,
})
window.addEventListener('resize', schedule)
