/**
 * The two kinds of identifier, and display names, defined once: a box id (a topic level, the MQTT username, a queue
 * file name) and a slug (office, counter and officer ids). Each comes as a pattern for JSON
 * Schema, a predicate for code, a TypeBox schema, and its rule in words for error messages.
 */
import { Type, type TString } from '@sinclair/typebox'

/** A box id: 1 to 64 letters, digits, `_` or `-`. Safe inside a topic level and a file name. */
export const BOX_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const BOX_ID_RULE = '1-64 letters, digits, _ or -'

/** An office, counter or officer id: as a box id, and `.` too (never in a topic). */
export const SLUG_PATTERN = '^[A-Za-z0-9_.-]{1,64}$'
export const SLUG_RULE = '1-64 letters, digits, _ . or -'

const boxIdRe = new RegExp(BOX_ID_PATTERN)
const slugRe = new RegExp(SLUG_PATTERN)

export function isBoxId(value: unknown): value is string {
  return typeof value === 'string' && boxIdRe.test(value)
}

export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && slugRe.test(value)
}

export const BoxId = (description = 'Box identifier; also the MQTT username of the box.'): TString =>
  Type.String({ pattern: BOX_ID_PATTERN, description })

export const Slug = (description: string): TString => Type.String({ pattern: SLUG_PATTERN, description })

/**
 * A display name (office, counter, officer): what the config topic carries to boxes with a
 * display and what the dashboard shows. 1-128 characters, none of them a control character
 * (they would garble a box's screen, a CSV line or a log line). Markup is escaped wherever
 * a name is shown, never trusted.
 */
export const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]{1,128}$'
export const NAME_RULE = '1-128 characters, no control characters'
const nameRe = new RegExp(NAME_PATTERN)

export function isName(value: unknown): value is string {
  return typeof value === 'string' && nameRe.test(value)
}

export const Name = (description: string): TString => Type.String({ minLength: 1, maxLength: 128, pattern: NAME_PATTERN, description })
