/**
 * The counter-side app's corner of the contract: a program on the counter PC (or a queue
 * system speaking MQTT) opens rating windows with its own credentials, an integration token
 * of scope `windows` (MQTT username `app:{tokenId}`, password the token, client id the
 * username). It may publish only to its own request topic and subscribe only to its own
 * result topic; the counter it names must be of the token's office.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Name, NAME_PATTERN, SLUG_PATTERN } from './ids.ts'
import { WINDOW_ID_PATTERN } from './schemas.ts'
import { TOPIC_ROOT } from './topics.ts'

/** An integration token's id: letters and digits only, so it is safe in a topic level. */
export const TOKEN_ID_PATTERN = '^[A-Za-z0-9]{1,32}$'
const tokenIdRe = new RegExp(TOKEN_ID_PATTERN)

export const appUsername = (tokenId: string): string => `app:${tokenId}`
export const appWindowTopic = (tokenId: string): string => `${TOPIC_ROOT}/apps/${tokenId}/window`
export const appResultTopic = (tokenId: string): string => `${TOPIC_ROOT}/apps/${tokenId}/window/result`

/** The token id an app's MQTT username names, or null when it is not an app's username. */
export function appTokenId(username: string | undefined): string | null {
  if (!username?.startsWith('app:')) return null
  const id = username.slice(4)
  return tokenIdRe.test(id) ? id : null
}

export const Reference = Type.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN, description: 'Case reference: ticket number or dossier code ("mã hồ sơ"), 1-64 characters.' })

export const AppWindowRequest = Type.Object(
  {
    counter: Type.String({ pattern: SLUG_PATTERN, description: 'Counter id (of the token\'s office).' }),
    reference: Type.Optional(Reference),
    officer: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'Officer id; default: the officer on duty at the counter.' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000, description: 'How long the window stays open; default windows.timeoutMs (60 s).' })),
    requestId: Type.Optional(Type.String({ maxLength: 64, description: 'Echoed in the result, to match it to the request.' })),
  },
  { additionalProperties: false, $id: 'AppWindowRequest', title: 'Open a window (counter app)' },
)
export type AppWindowRequest = Static<typeof AppWindowRequest>

export const AppWindowResult = Type.Object(
  {
    requestId: Type.Union([Type.String(), Type.Null()]),
    ok: Type.Boolean(),
    window: Type.Optional(
      Type.Object({
        id: Type.String({ pattern: WINDOW_ID_PATTERN }),
        counter: Type.String(),
        reference: Type.Union([Type.String(), Type.Null()]),
        officer: Type.Union([Name('Officer name'), Type.Null()]),
        expiresAt: Type.Integer(),
      }),
    ),
    error: Type.Optional(Type.String({ description: 'Why the window was not opened.' })),
  },
  { additionalProperties: false, $id: 'AppWindowResult', title: 'Result of a window request' },
)
export type AppWindowResult = Static<typeof AppWindowResult>

export const APP_CHANNELS = [
  { topic: `${TOPIC_ROOT}/apps/{tokenId}/window`, schema: AppWindowRequest, op: 'publish' as const, retain: false, summary: 'A counter-side app asks for a rating window at one counter of its office.' },
  { topic: `${TOPIC_ROOT}/apps/{tokenId}/window/result`, schema: AppWindowResult, op: 'subscribe' as const, retain: false, summary: 'The gateway answers every request: the window opened, or why not.' },
]

export const checkAppWindowRequest = TypeCompiler.Compile(AppWindowRequest)
