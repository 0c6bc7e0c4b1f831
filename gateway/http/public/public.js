// The citizens' screen (only when the gateway's http.publicView is on): the office's
// satisfaction today as one large number, and the count of each rating. The server sends the
// office totals only, never a row per officer or counter. Polled, not streamed: it is a
// summary, and many screens must cost the gateway little (the server caches it briefly).
import { html, render as paint, nothing } from '/static/vendor/lit-html/lit-html.js'
import { t, fmt, setTimeZone, lang } from './i18n.js'

const POLL_MS = 5000
import { DEFAULT_LEVELS, FACES, levelLabel } from './scale.js'
const office = decodeURIComponent(location.pathname.split('/')[2] ?? '')
let data = null
let lost = false

async function poll() {
  try {
    const res = await fetch(`/api/public/${encodeURIComponent(office)}`, { headers: { accept: 'application/json' }, cache: 'no-store' })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    data = await res.json()
    setTimeZone(data.timezone)
    lost = false
  } catch {
    lost = true
  }
  render()
  setTimeout(poll, POLL_MS)
}

function render() {
  document.documentElement.lang = lang()
  if (!data) {
    paint(html`<main class="wall-ended"><p>${lost ? t('connLost') : t('loading')}</p></main>`, document.body)
    return
  }
  document.title = `${data.office.name} — ${t('appName')}`
  paint(
    html`${lost ? html`<p id="connection" class="connection lost" role="status">${t('connLost')}</p>` : nothing}
      <main class="public-main">
        <h1>${t('officeToday', { office: data.office.name })}</h1>
        <p class="big" data-field="satisfaction">${fmt.pct(data.satisfaction)}</p>
        <p class="label">${t('satisfaction')} · ${t('ratingsToday', { n: fmt.int(data.total) })}</p>
        <p class="office-counts">${(data.levels ?? DEFAULT_LEVELS).map((l) => html`<span class=${l.id} data-rating=${l.id}>${FACES[l.id]} ${levelLabel(l)}: ${fmt.int(data.counts[l.id] ?? 0)}</span>`)}</p>
      </main>`,
    document.body,
  )
}

poll()
