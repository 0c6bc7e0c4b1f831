// Wall screen tokens (admins): create one per screen and office, see when each was last used,
// revoke. The screen's address carries the token and is shown once, next to a copy button.
import { html, render as paint, nothing } from '/static/vendor/lit-html/lit-html.js'
import { t, fmt, errorText } from './i18n.js'
import { api, notice } from './dom.js'

export function mount(el) {
  const root = el.appendChild(document.createElement('div'))
  let tokens = []
  let offices = []
  let created = null

  async function load() {
    ;[{ tokens }, { offices }] = await Promise.all([api('GET', '/api/display-tokens'), api('GET', '/api/offices')])
    render()
  }

  async function create(e) {
    e.preventDefault()
    const form = e.currentTarget
    try {
      const res = await api('POST', '/api/display-tokens', { officeId: form.officeId.value, label: form.label.value.trim() })
      created = { ...res, url: location.origin + res.url }
      form.label.value = ''
      await load()
    } catch (err) {
      notice(`${t('error')}: ${errorText(err)}`, 'error')
    }
  }

  async function revoke(id) {
    try {
      await api('DELETE', `/api/display-tokens/${id}`)
      await load()
    } catch (err) {
      notice(`${t('error')}: ${errorText(err)}`, 'error')
    }
  }

  const officeName = (id) => offices.find((o) => o.id === id)?.name ?? id

  function render() {
    paint(
      html`<h2>${t('displayTokens')}</h2>
        <p class="muted">${t('displayHelp')}</p>
        <form id="display-form" class="admin-form" @submit=${create}>
          <label>${t('office')}<select name="officeId" required>${offices.map((o) => html`<option value=${o.id}>${o.name}</option>`)}</select></label>
          <label>${t('displayLabel')}<input name="label" required maxlength="100"></label>
          <button type="submit">${t('createDisplay')}</button>
        </form>
        ${created
          ? html`<div class="secret-box" role="status"><p>${t('displayUrlOnce')}</p><code id="display-url">${created.url}</code>
              <button type="button" class="secondary" @click=${() => navigator.clipboard?.writeText(created.url).then(() => notice(t('copied')))}>${t('copy')}</button></div>`
          : nothing}
        <div class="table-wrap"><table id="displays-table">
          <thead><tr><th>${t('displayLabel')}</th><th>${t('office')}</th><th>${t('createdAt')}</th><th>${t('lastUsed')}</th><th>${t('status')}</th><th></th></tr></thead>
          <tbody>${tokens.length === 0
            ? html`<tr><td colspan="6" class="muted">${t('noDisplays')}</td></tr>`
            : tokens.map(
                (d) => html`<tr data-display=${d.id}><td>${d.label}</td><td>${officeName(d.officeId)}</td><td>${fmt.dateTime(d.createdAt)}</td>
                  <td>${d.lastUsedAt ? fmt.dateTime(d.lastUsedAt) : t('never')}</td><td>${d.revokedAt ? `${t('revokedAt')} ${fmt.dateTime(d.revokedAt)}` : t('displayActive')}</td>
                  <td>${d.revokedAt ? nothing : html`<button class="danger revoke" @click=${() => revoke(d.id)}>${t('revoke')}</button>`}</td></tr>`,
              )}</tbody>
        </table></div>`,
      root,
    )
  }

  load().catch((err) => notice(`${t('error')}: ${errorText(err)}`, 'error'))
  return () => {}
}
