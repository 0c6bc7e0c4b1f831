// Building blocks of the admin page's sections: tables, labelled forms, selects, the
// "do it, say saved or say why not" wrapper, and the shown-once box for secrets and one-time
// passwords (near what the admin just clicked, scrolled into view, with a copy button).
import { t, errorText } from './i18n.js'
import { h, notice } from './dom.js'

export function table(headers, rows, id, caption) {
  return h(
    'div',
    // A region that may scroll sideways on a phone: focusable, so a keyboard can scroll it (WCAG 2.1.1).
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption ?? id },
    h('table', { class: 'admin', id }, caption ? h('caption', { class: 'sr-only' }, caption) : null, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)),
  )
}

/** A cell with its column's name, which phones show when rows become cards (style.css). */
export const td = (label, ...content) => h('td', { 'data-label': label }, ...content)

export const input = (attrs = {}) => h('input', { required: true, ...attrs })

/** `options` are [value, label]; `selected` is preselected (never silently the first one). */
export function select(options, attrs = {}, selected) {
  return h('select', attrs, options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(selected ?? '') }, label)))
}

/** Runs a change; on success says so and refreshes the section, else says why in the user's language. */
export async function run(ctx, fn, savedText = t('saved')) {
  try {
    const result = await fn()
    notice(savedText)
    await ctx.refresh()
    return result
  } catch (err) {
    notice(`${t('error')}: ${errorText(err, ctx.nameOf)}`, 'error')
    return undefined
  }
}

/** A form of labelled fields; `fields` are [name, label, element]. */
export function form(ctx, id, fields, submitLabel, onSubmit) {
  const els = Object.fromEntries(fields.map(([name, , el]) => [name, el]))
  return h(
    'form',
    {
      class: 'admin-form',
      id,
      onsubmit: async (e) => {
        e.preventDefault()
        const values = Object.fromEntries(Object.entries(els).map(([k, el]) => [k, el.type === 'checkbox' ? el.checked : el.value]))
        await run(ctx, () => onSubmit(values))
      },
    },
    fields.map(([name, label, el]) => h('label', {}, label, ((el.name = name), el))),
    h('button', { type: 'submit' }, submitLabel),
  )
}

/**
 * Something shown once (a box secret, a one-time password): a box with the value and a copy
 * button. Call `reveal(el)` once it is in the page: it scrolls it into view and puts the focus
 * on the copy button, so the admin sees it without looking for it.
 */
export function shownOnce(id, text, value, hint) {
  const code = h('code', { id }, value)
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'secondary copy',
      'data-copy': id,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value)
          notice(t('copied'))
        } catch {
          getSelection()?.selectAllChildren(code)
          notice(t('copyFailed'), 'error')
        }
      },
    },
    t('copy'),
  )
  return h('div', { class: 'secret', role: 'status', id: id + '-box' }, h('p', {}, text), h('p', { class: 'secret-value' }, code, copy), hint ? h('p', { class: 'hint' }, hint) : null)
}

export function reveal(el) {
  if (!el?.isConnected) return
  el.scrollIntoView({ block: 'center' })
  el.querySelector('button.copy')?.focus({ preventScroll: true })
}
