// The live view: today's ratings per officer and per counter, who is on duty, box state,
// alerts. One snapshot from /api/live, then every press arrives over the event stream and is
// added here; a `refresh` event (duty, boxes, officers changed) fetches a new snapshot.
//
// Rendered with lit-html: each update compares the new values with the last ones and writes
// only the text and attributes that changed. The elements stay the same, so a drop-down the
// user holds open, a button being pressed, typed input and keyboard focus survive every update
// (rebuilding the view replaced them mid-click: issue 16).
import { html, render as paint, nothing } from '/static/vendor/lit-html/lit-html.js'
import { repeat } from '/static/vendor/lit-html/directives/repeat.js'
import { guard } from '/static/vendor/lit-html/directives/guard.js'
import { t, fmt as fmtNow, lang, errorText, systemAlertText, tamperingAlertText } from './i18n.js'
import { api, notice } from './dom.js'
import { openStream } from './stream.js'

import { DEFAULT_LEVELS, FACES, figuresOf, levelLabel, satisfactionDefinition, zeroCounts } from './scale.js'

// Formatting a number builds an Intl formatter each time (i18n.js): an update re-formats
// every figure on the page, so the strings are remembered per language (the values repeat).
const remembered = new Map()
const memo = (name) => (v) => {
  const key = `${lang()}|${name}|${v}`
  let s = remembered.get(key)
  if (s === undefined) {
    if (remembered.size > 20_000) remembered.clear()
    s = fmtNow[name](v)
    remembered.set(key, s)
  }
  return s
}
const fmt = { int: memo('int'), pct: memo('pct'), num1: memo('num1'), time: memo('time'), isoDate: memo('isoDate') }

export const figures = (c, levels = DEFAULT_LEVELS) => figuresOf(c, levels)

/** The connection line: always there, a red banner while the stream is lost. */
export const connectionBanner = (state) =>
  html`<div id="connection" class="connection ${state}" data-state=${state} role="status" aria-live="polite">${t(state === 'open' ? 'connOpen' : state === 'lost' ? 'connLost' : 'connConnecting')}</div>`

export function mount(el, { session }) {
  const user = session.user
  const global = !user.officeId || user.role === 'admin'
  let office = global ? (localStorage.getItem('chamdiem.office') ?? '') : user.officeId
  let snap = null
  let offices = []
  let alerts = []
  // Presses that arrive while a snapshot is on its way: applied to it once it is there.
  let buffered = []
  let loading = 0
  let stream = null
  let conn = 'connecting'
  let frame = 0
  let stopped = false
  // The deployment's levels, best first (every snapshot carries them).
  const levels = () => snap?.scale ?? DEFAULT_LEVELS
  const root = el.appendChild(document.createElement('div'))

  const schedule = () => {
    if (frame || stopped) return
    frame = requestAnimationFrame(() => {
      frame = 0
      // While a control is pressed, nothing moves under the pointer (a row added above it
      // would shift it between mouse down and up and lose the click): paint on release.
      if (!held) render()
    })
  }
  let held = false
  const hold = (e) => (held = !!e.target.closest?.('button, select, a, input'))
  const release = () => held && ((held = false), schedule())
  root.addEventListener('pointerdown', hold, true)
  window.addEventListener('pointerup', release, true)
  window.addEventListener('pointercancel', release, true)

  async function load() {
    loading++
    try {
      const q = office ? `?office=${encodeURIComponent(office)}` : ''
      const data = await api('GET', '/api/live' + q)
      if (global && offices.length === 0) offices = (await api('GET', '/api/offices')).offices
      if (stopped) return
      // Quầy 2 before Quầy 10.
      data.counters.sort((a, b) => a.name.localeCompare(b.name, 'vi', { numeric: true }))
      snap = data
      alerts = data.alerts
    } finally {
      loading--
    }
    if (loading === 0 && snap) {
      const pending = buffered
      buffered = []
      for (const p of pending) apply(p)
    }
    schedule()
  }

  function onEvent(event, data) {
    if (event === 'presses') {
      for (const p of data) {
        if (snap && loading === 0) apply(p)
        else buffered.push(p)
      }
    } else if (event === 'box') {
      for (const c of snap?.counters ?? []) for (const b of c.boxes) if (b.id === data.boxId) b.state = data.state
    } else if (event === 'alerts') {
      alerts = data
    } else if (event === 'refresh' || (event === 'hello' && snap)) {
      // hello after a reconnect: presses sent meanwhile were missed, take a fresh snapshot.
      load().catch(() => {})
    }
    schedule()
  }

  function connect() {
    stream?.close()
    const q = office ? `?office=${encodeURIComponent(office)}` : ''
    stream = openStream('/api/live/events' + q, {
      onEvent,
      onState: (s) => {
        conn = s
        schedule()
      },
      // The session ended: api() takes the user to the login page, which says why. If it
      // did not end after all, listen again.
      onAuth: () => api('GET', '/api/session').then(() => !stopped && connect(), () => {}),
    })
  }

  /** Adds one press to the snapshot (the server sent it once; ids below the snapshot's are in it). */
  function apply(p) {
    if (p.id <= snap.lastPressId || p.repeat || p.timeMs < snap.dayStart || p.timeMs >= snap.dayEnd) return
    snap.lastPressId = Math.max(snap.lastPressId, p.id)
    let row = snap.officers.find((o) => o.officerId === p.officerId && o.officeId === p.officeId)
    if (!row) {
      row = { officerId: p.officerId, name: null, officeId: p.officeId, counts: zeroCounts(levels()), lastPressAt: null }
      snap.officers.push(row)
      if (p.officerId) load().catch(() => {}) // a new officer's name: fetch a fresh snapshot
    }
    if (!(p.rating in row.counts)) return
    row.counts[p.rating]++
    row.lastPressAt = Math.max(row.lastPressAt ?? 0, p.timeMs)
    const c = snap.counters.find((x) => x.id === p.counterId)
    if (c) {
      c.counts[p.rating]++
      c.lastPressAt = Math.max(c.lastPressAt ?? 0, p.timeMs)
      const b = c.boxes.find((x) => x.id === p.boxId)
      if (b) b.lastPressAt = Math.max(b.lastPressAt ?? 0, p.timeMs)
    }
  }

  const counterName = (id) => snap?.counters.find((c) => c.id === id)?.name ?? id ?? '—'
  const canManage = (officeId) => user.role === 'admin' || (user.role === 'head' && user.officeId === officeId)

  function alertText(a) {
    if (a.kind === 'frowns') return t('alertFrowns', { counter: counterName(a.counterId), negative: a.negative, total: a.total, window: a.windowMin })
    if (a.kind === 'boxOffline') return t('alertBoxOffline', { box: a.boxId, counter: counterName(a.counterId) })
    if (a.kind === 'system') return systemAlertText(a)
    if (a.kind === 'tampering') return tamperingAlertText(a, counterName)
    if (a.kind === 'burst') return t('alertBurst', { count: a.count, box: a.boxId, counter: counterName(a.counterId), officer: a.officerId ?? '—' })
    return t('alertRejected', { count: a.count, box: a.boxId ?? '?', reason: a.lastReason })
  }

  async function act(fn) {
    try {
      await fn()
      await load()
    } catch (err) {
      notice(`${t('error')}: ${errorText(err)}`, 'error')
    }
  }

  const countsCells = (c) => {
    const f = figures(c, levels())
    return html`${levels().map(({ id }) => html`<td class="n ${id}" data-rating=${id}>${fmt.int(c[id] ?? 0)}</td>`)}<td class="n total" data-rating="total">${fmt.int(f.total)}</td><td class="n" data-field="satisfaction">${fmt.pct(f.satisfaction)}</td><td class="n" data-field="index">${fmt.num1(f.index)}</td>`
  }

  const dutyControls = (c, officers) => html`<div class="duty">
    <select class="duty-officer" aria-label=${t('chooseOfficer')}>
      <option value="">${t('chooseOfficer')}</option>
      ${guard([officers.key, lang()], () => repeat(officers.list, (o) => o.officerId, (o) => html`<option value=${o.officerId}>${o.name ?? o.officerId}</option>`))}
    </select>
    <button class="sign-in" @click=${(e) => {
      // The choice is read from the drop-down itself: it is never re-rendered under the user.
      const pick = e.currentTarget.closest('.duty').querySelector('select')
      const officer = pick.value
      // Cleared once done, unless the user has picked someone else meanwhile.
      if (officer) act(() => api('POST', '/api/duty/sign-in', { officer, counter: c.id }).then(() => pick.value === officer && (pick.value = '')))
    }}>${t('signIn')}</button>
    ${c.officerId ? html`<button class="sign-out secondary" @click=${() => act(() => api('POST', '/api/duty/sign-out', { officer: c.officerId }))}>${t('signOut')}</button>` : nothing}
  </div>`

  // Everything a counter's card shows: the card is re-evaluated only when this changes
  // (an update touches one or two counters of fifty).
  const cardSignature = (c, officers) =>
    [c.name, c.officerId, c.officerName, ...levels().map((l) => c.counts[l.id]), officers.get(c.officeId)?.key, ...c.boxes.map((b) => `${b.id}:${b.state}:${b.lastPressAt}`)].join('|')

  const counterCard = (c, officers) => html`<article class="counter" data-counter=${c.id}>
    <h3>${c.name}</h3>
    <p class="on-duty" data-officer=${c.officerId ?? ''}>${c.officerId ? `${t('onDuty')}: ${c.officerName}` : t('nobodyOnDuty')}</p>
    ${c.boxes.length === 0
      ? html`<p class="box muted">${t('noBox')}</p>`
      : repeat(c.boxes, (b) => b.id, (b) => html`<p class="box ${b.state}" data-box=${b.id} data-state=${b.state}><span class="dot"></span>${b.id}: ${t(b.state)}<span class="last">${t('lastPress')}: ${fmt.time(b.lastPressAt)}</span></p>`)}
    <p class="faces">${levels().map((l) => html`<span class=${l.id} data-rating=${l.id} title=${levelLabel(l)}>${FACES[l.id]} ${fmt.int(c.counts[l.id] ?? 0)}</span>`)}</p>
    ${canManage(c.officeId) ? dutyControls(c, officers.get(c.officeId) ?? { key: '', list: [] }) : nothing}
  </article>`

  function officeSelect() {
    if (!global) return nothing
    const change = (e) => {
      office = e.target.value
      localStorage.setItem('chamdiem.office', office)
      snap = null
      buffered = []
      connect()
      load().catch((err) => notice(`${t('error')}: ${errorText(err)}`, 'error'))
    }
    return html`<select id="office" aria-label=${t('office')} @change=${change}>
      <option value="" ?selected=${office === ''}>${t('allOffices')}</option>
      ${repeat(offices, (o) => o.id, (o) => html`<option value=${o.id} ?selected=${o.id === office}>${o.name}</option>`)}
    </select>`
  }

  function render() {
    if (stopped) return
    if (!snap) {
      paint(html`${connectionBanner(conn)}<p class="muted">${t('loading')}</p>`, root)
      return
    }
    const total = snap.officers.reduce((acc, o) => (levels().forEach(({ id }) => (acc[id] += o.counts[id] ?? 0)), acc), zeroCounts(levels()))
    // Who may be signed in at a counter: the office's named officers (one list per office per render).
    // (its key changes only when the names do: the 50 drop-downs of 50 names are then left alone).
    const officers = new Map()
    for (const o of snap.officers) {
      if (!o.officerId) continue
      const e = officers.get(o.officeId) ?? { key: '', list: [] }
      e.list.push(o)
      e.key += `${o.officerId}\u0000${o.name}\u0000`
      officers.set(o.officeId, e)
    }
    const showOffice = global && !office && offices.length > 1
    const wallHref = '/wall' + (office ? `?office=${encodeURIComponent(office)}` : '')
    paint(
      html`${connectionBanner(conn)}
        <div class="toolbar"><h2>${t('today')}, ${fmt.isoDate(snap.date)}</h2><span class="toolbar-end">${officeSelect()}<a class="wall-link" href=${wallHref}>${t('wallScreen')}</a></span></div>
        <section class="alerts" id="alerts" aria-live="polite" tabindex="0" aria-labelledby="alerts-title">
          <h2 id="alerts-title">${t('alerts')}</h2>
          ${alerts.length === 0 ? html`<p class="muted">${t('noAlerts')}</p>` : html`<ul>${alerts.map((a) => html`<li class="alert ${a.kind}" data-kind=${a.kind}>${alertText(a)}</li>`)}</ul>`}
        </section>
        <section class="counters" id="counters">${repeat(snap.counters, (c) => c.id, (c) => guard([cardSignature(c, officers), lang()], () => counterCard(c, officers)))}</section>
        <section>
          <div class="table-wrap" tabindex="0" role="region" aria-label=${t('officer')}>
            <table class="live" id="live-officers">
              <thead><tr><th>${t('officer')}</th>${levels().map((l) => html`<th class="n ${l.id}" title=${levelLabel(l)}>${FACES[l.id]}<span class="label"> ${levelLabel(l)}</span></th>`)}<th class="n">${t('total')}</th><th class="n">${t('satisfaction')}</th><th class="n index">${t('index')}</th><th class="wide">${t('lastPress')}</th></tr></thead>
              <tbody>${repeat(
                snap.officers,
                (o) => `${o.officeId ?? ''}|${o.officerId ?? ''}`,
                (o) =>
                  guard(
                    [o.name, ...levels().map((l) => o.counts[l.id]), o.lastPressAt, showOffice, lang()],
                    () => html`<tr data-officer=${o.officerId ?? ''} data-office=${o.officeId ?? ''}>
                      <th scope="row">${o.officerId ? (o.name ?? o.officerId) : html`<em>${t('unattributed')}</em>`}${showOffice ? html`<small> · ${snap.offices.find((x) => x.id === o.officeId)?.name ?? ''}</small>` : nothing}</th>
                      ${countsCells(o.counts)}<td class="wide">${fmt.time(o.lastPressAt)}</td></tr>`,
                  ),
              )}</tbody>
              <tfoot><tr data-officer="*total*"><th>${t('total')}</th>${countsCells(total)}<td class="wide"></td></tr></tfoot>
            </table>
          </div>
          <p class="muted definition" id="live-definition">${satisfactionDefinition(levels())}</p>
        </section>`,
      root,
    )
  }

  connect()
  load().catch((err) => notice(`${t('error')}: ${errorText(err)}`, 'error'))
  // At local midnight "today" starts again.
  const midnight = setInterval(() => snap && Date.now() >= snap.dayEnd && load(), 30_000)
  return () => {
    stopped = true
    window.removeEventListener('pointerup', release, true)
    window.removeEventListener('pointercancel', release, true)
    stream?.close()
    clearInterval(midnight)
    cancelAnimationFrame(frame)
  }
}
