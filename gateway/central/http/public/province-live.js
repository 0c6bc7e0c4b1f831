// Today's ratings across the province: one row per centre and, for the centre chosen, one
// per officer. Fetched again every few seconds (a press a gateway forwarded shows within
// seconds while its WAN is up). Rendered with lit-html, so an update rewrites only the figures
// that changed and a drop-down the user holds open survives it.
import { html, render as paint, nothing } from '/static/vendor/lit-html/lit-html.js'
import { repeat } from '/static/vendor/lit-html/directives/repeat.js'
import { t, fmt, errorText } from './i18n.js'
import { api } from './dom.js'
import { FACES, levelLabel } from './scale.js'
import { levelsOf } from './province-table.js'

export const REFRESH_MS = 5000

/**
 * Rows' counts summed per level, and the satisfaction rate on the province's scale as the
 * server computes it (province-scale.ts): every press in the total, a level outside the
 * scale (`outside`) never counted as satisfied.
 */
function sum(rows, levels) {
  const c = Object.fromEntries(levels.map((l) => [l.id, 0]))
  for (const r of rows) for (const l of levels) c[l.id] += r[l.id] ?? 0
  let total = 0
  let satisfied = 0
  for (const l of levels) {
    total += c[l.id]
    if (l.satisfied && !l.outside) satisfied += c[l.id]
  }
  return { ...c, total, satisfaction: total ? satisfied / total : null }
}

export function mount(el, { session }) {
  const user = session.user
  let centre =
    user.role === 'head' ? user.centre : (localStorage.getItem('chamdiem.province.centre') ?? '')
  let data = null
  let updatedAt = 0
  let failed = null
  let timer = 0
  let stopped = false
  const root = el.appendChild(document.createElement('div'))
  const today = () => fmt.todayIso()

  async function load() {
    try {
      const r = await api('GET', '/api/live')
      if (stopped) return
      data = r
      updatedAt = Date.now()
      failed = null
    } catch (err) {
      failed = err
    }
    if (stopped) return
    render()
    timer = setTimeout(load, REFRESH_MS)
  }

  const cells = (f, levels) =>
    html`${levels.map((l) => html`<td class="n ${l.id}" data-field=${l.id}>${fmt.int(f[l.id] ?? 0)}</td>`)}
      <td class="n" data-field="total">${fmt.int(f.total)}</td>
      <td class="n" data-field="satisfaction">${fmt.pct(f.satisfaction)}</td>`
  const head = (first, levels) =>
    html`<thead>
      <tr>
        <th scope="col">${first}</th>
        ${levels.map((l) => {
          const label = levelLabel(l) + (l.outside ? ' *' : '')
          return html`<th scope="col" class="n ${l.id}" title=${label}>${FACES[l.id]}<span class="label"> ${label}</span></th>`
        })}
        <th scope="col" class="n">${t('total')}</th>
        <th scope="col" class="n">${t('satisfaction')}</th>
      </tr>
    </thead>`
  const drillToday = (q) => '/drill?' + new URLSearchParams({ ...q, from: today(), to: today() })

  function render() {
    const rows = data?.rows ?? []
    const levels = levelsOf(data)
    const byCentre = new Map()
    for (const r of rows) {
      if (!byCentre.has(r.centreId))
        byCentre.set(r.centreId, { id: r.centreId, name: r.centreName, rows: [] })
      byCentre.get(r.centreId).rows.push(r)
    }
    const centres = [...byCentre.values()].sort((a, b) =>
      a.name.localeCompare(b.name, 'vi', { numeric: true }),
    )
    const chosen = byCentre.get(centre)
    const officers = (chosen?.rows ?? [])
      .map((r) => ({ ...r, ...sum([r], levels) }))
      .sort((a, b) => b.total - a.total)
    paint(
      html`<h2>${t('liveTitle')}</h2>
        <p id="live-status" class=${failed ? 'connection lost' : 'connection open'} role="status">
          ${failed ? t('liveStale', { time: fmt.time(updatedAt) }) + ' ' + errorText(failed) : data ? t('liveUpdated', { time: fmt.time(updatedAt), s: REFRESH_MS / 1000 }) : t('loading')}
        </p>
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('liveTitle')}>
          <table class="live" id="live-centres">
            ${head(t('centre'), levels)}
            <tbody>
              ${
                centres.length === 0
                  ? html`<tr>
                      <td colspan=${levels.length + 3} class="muted">${t('noData')}</td>
                    </tr>`
                  : nothing
              }
              ${repeat(
                centres,
                (c) => c.id,
                (c) =>
                  html`<tr data-key=${c.id}>
                    <th scope="row"><a href=${drillToday({ centre: c.id })}>${c.name}</a></th>
                    ${cells(sum(c.rows, levels), levels)}
                  </tr>`,
              )}
            </tbody>
            ${
              user.role === 'head'
                ? nothing
                : html`<tfoot>
                    <tr data-key="*total*">
                      <th scope="row">${t('provinceName')}</th>
                      ${cells(sum(rows, levels), levels)}
                    </tr>
                  </tfoot>`
            }
          </table>
        </div>
        ${
          user.role === 'head'
            ? nothing
            : html`<p class="filters">
                <label
                  >${t('chooseCentre')}
                  <select
                    id="live-centre"
                    @change=${(e) => {
                      centre = e.target.value
                      localStorage.setItem('chamdiem.province.centre', centre)
                      render()
                    }}
                  >
                    <option value="" ?selected=${!centre}>—</option>
                    ${centres.map((c) => html`<option value=${c.id} ?selected=${c.id === centre}>${c.name}</option>`)}
                  </select></label
                >
              </p>`
        }
        ${
          chosen
            ? html`<h3>${t('liveOfficers', { centre: chosen.name })}</h3>
                <div
                  class="table-wrap"
                  tabindex="0"
                  role="region"
                  aria-label=${t('liveOfficers', { centre: chosen.name })}
                >
                  <table class="live" id="live-officers">
                    ${head(t('officer'), levels)}
                    <tbody>
                      ${repeat(
                        officers,
                        (o) => o.officerId ?? '',
                        (o) =>
                          html`<tr data-key=${o.officerId ?? 'unattributed'}>
                            <th scope="row">
                              ${o.officerId ? (o.officerName ?? o.officerId) : t('unattributed')}
                            </th>
                            ${cells(o, levels)}
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
            : nothing
        }`,
      root,
    )
  }

  render()
  load()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
