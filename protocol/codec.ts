/**
 * Decoding and encoding of payloads. `decode` never throws, whatever the bytes: it returns the
 * typed value or an error that names the field and what was wrong with it, which the gateway
 * stores next to the raw bytes of a rejected message.
 */
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { ValueError } from '@sinclair/typebox/errors'
import { CONTRACT, type PayloadByKind } from './contract.ts'
import { MAX_PRESS_BYTES } from './schemas.ts'
import type { TopicKind } from './topics.ts'

export interface DecodeError {
  /** JSON pointer of the offending field, `/` for the payload as a whole. */
  field: string
  problem: string
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError }

const MAX_BYTES: Record<TopicKind, number> = { press: MAX_PRESS_BYTES, status: 1024, config: 4096, window: 1024, invite: 256 }

const checkers = Object.fromEntries(
  Object.entries(CONTRACT).map(([kind, c]) => [kind, TypeCompiler.Compile(c.schema as TSchema)]),
) as Record<TopicKind, TypeCheck<TSchema>>

const decoder = new TextDecoder('utf-8', { fatal: true })

export function decode<K extends TopicKind>(
  kind: K,
  bytes: Uint8Array | string,
): DecodeResult<PayloadByKind[K]> {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength
  if (size > MAX_BYTES[kind]) {
    return fail('/', `payload is ${size} bytes, more than the ${MAX_BYTES[kind]} allowed`)
  }
  let text: string
  try {
    text = typeof bytes === 'string' ? bytes : decoder.decode(bytes)
  } catch {
    return fail('/', 'payload is not valid UTF-8')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return fail('/', `payload is not JSON (${(err as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('/', 'payload must be a JSON object')
  }
  const check = checkers[kind]
  if (check.Check(value)) return { ok: true, value: value as PayloadByKind[K] }
  const first = check.Errors(value).First()
  return first ? { ok: false, error: describe(first) } : fail('/', 'payload does not match the schema')
}

/** Serialises a payload after checking it, so the gateway and boxes never send what they would reject. */
export function encode<K extends TopicKind>(kind: K, value: PayloadByKind[K]): Buffer {
  return Buffer.from(encodeText(kind, value))
}

/** The same as JSON text, for a part that keeps payloads (text is about half a Buffer's memory). */
export function encodeText<K extends TopicKind>(kind: K, value: PayloadByKind[K]): string {
  const check = checkers[kind]
  if (!check.Check(value)) {
    const first = check.Errors(value).First()
    const e = first ? describe(first) : { field: '/', problem: 'invalid' }
    throw new Error(`refusing to encode ${kind}: ${e.field}: ${e.problem}`)
  }
  return JSON.stringify(value)
}

function fail(field: string, problem: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { field, problem } }
}

/** Turns TypeBox's error into a sentence a firmware author can act on. */
function describe(error: ValueError): DecodeError {
  const field = error.path === '' ? '/' : error.path
  const schema = error.schema as { anyOf?: Array<{ const?: unknown }> }
  const got = error.value === undefined ? 'nothing' : JSON.stringify(error.value)?.slice(0, 60)
  if (error.value === undefined) return { field, problem: 'is required' }
  if (schema.anyOf && schema.anyOf.every((s) => s.const !== undefined)) {
    const allowed = schema.anyOf.map((s) => String(s.const)).join(', ')
    return { field, problem: `must be one of ${allowed} (got ${got})` }
  }
  if (error.message.startsWith('Unexpected property')) {
    return { field, problem: 'is not a field of this payload' }
  }
  return { field, problem: `${error.message.toLowerCase()} (got ${got})` }
}
