/**
 * Payload schemas of the contract. These TypeBox schemas are the single source of truth: the
 * TypeScript types, the runtime validation (codec.ts) and the published JSON Schema / AsyncAPI
 * document (generate-docs.ts) all come from them.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Name, NAME_PATTERN } from './ids.ts'
import { LEVEL_IDS } from './rating-scale.ts'

/** A rating window's id: drawn by the gateway, safe in a topic, a file and a log line. */
export const WINDOW_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'

export const RatingSchema = Type.Union(
  LEVEL_IDS.map((r) => Type.Literal(r)),
  {
    description:
      'The level the citizen pressed, one of the five ids best first. A deployment uses three, four or five of them (gateway config `ratingScale`) and refuses a press at a level outside its scale, with the reason. ' +
      'Each id means the same on every scale: positive ("Rất hài lòng"), neutral ("Hài lòng"), fair ("Bình thường"), negative ("Không hài lòng"), very-negative ("Rất không hài lòng"). ' +
      'Default three-level scale: positive = smiley, neutral = neutral face, negative = frown. ' +
      'Five levels (Ministry of Information and Communications survey): all five. ' +
      'Four levels: the five without fair.',
  },
)

/** Largest press payload the gateway accepts; anything longer is rejected unread. */
export const MAX_PRESS_BYTES = 1024

export const PressPayload = Type.Object(
  {
    seq: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Press counter since `boot`, starting at 1 and increasing by one per press.',
    }),
    boot: Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      description: 'Random id the box draws at start-up. (boxId, boot, seq) identifies a press.',
    }),
    rating: RatingSchema,
    ageMs: Type.Integer({
      minimum: 0,
      description:
        "How long ago the press happened by the box's monotonic clock; 0 when sent at once. " +
        'The gateway dates the press at receivedAt - ageMs.',
    }),
    repeat: Type.Optional(
      Type.Boolean({
        description:
          "True when the box saw this press within its cooldown after a counted press. The gateway applies its own cooldown and human rate in any case: a box may flag more repeats, never fewer (false does not make a press count).",
      }),
    ),
    window: Type.Optional(
      Type.String({
        pattern: WINDOW_ID_PATTERN,
        description:
          'Id of the rating window that was open on the box when the citizen pressed (from the window topic). The gateway checks it against the window it opened for the box\'s counter: an unknown id, or one of another counter or already closed, is refused with the reason. Omit when no window was open.',
      }),
    ),
    reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: NAME_PATTERN,
        description: "The window's case reference (ticket number or dossier code), echoed from the window topic; informational, the gateway keeps its own.",
      }),
    ),
  },
  { additionalProperties: false, $id: 'PressPayload', title: 'Press' },
)
export type PressPayload = Static<typeof PressPayload>

export const StatusPayload = Type.Object(
  {
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    fw: Type.Optional(Type.String({ maxLength: 64, description: 'Firmware or device-layer version.' })),
    uptimeS: Type.Optional(Type.Integer({ minimum: 0 })),
    queued: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Presses waiting in the box queue.' }),
    ),
  },
  { additionalProperties: false, $id: 'StatusPayload', title: 'Status' },
)
export type StatusPayload = Static<typeof StatusPayload>

export const ConfigPayload = Type.Object(
  {
    cooldownMs: Type.Integer({
      minimum: 0,
      description: 'Presses within this time after a counted press are flagged as repeats.',
    }),
    feedbackMs: Type.Integer({ minimum: 0, description: 'How long the LED stays lit after a press.' }),
    counter: Type.Union([Name('Counter name'), Type.Null()], {
      description: 'Name of the counter the box is assigned to; null when unassigned.',
    }),
    officer: Type.Union([Name('Officer name'), Type.Null()], {
      description: 'Name of the officer on duty at that counter now; null when nobody is.',
    }),
  },
  { additionalProperties: false, $id: 'ConfigPayload', title: 'Config' },
)
export type ConfigPayload = Static<typeof ConfigPayload>

export const WindowPayload = Type.Object(
  {
    open: Type.Boolean({ description: 'True while a rating window is open at the box\'s counter: show it (LEDs breathe, one short beep) and send its id with the next press.' }),
    id: Type.Union([Type.String({ pattern: WINDOW_ID_PATTERN }), Type.Null()], {
      description: 'The window\'s id (when closed: the id of the window that closed, or null when none was ever opened).',
    }),
    reference: Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN }), Type.Null()], {
      description: 'Case reference of the served citizen (ticket number or dossier code, "mã hồ sơ"); null when none was given.',
    }),
    officer: Type.Union([Name('Officer name'), Type.Null()], { description: 'Officer who served the citizen; null when unknown.' }),
    timeoutMs: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        'How long the window stays open from when the gateway opened it. Boxes have no clock: stop showing the window after this long from receipt at the latest, and always when a closed window arrives.',
    }),
    expiresAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: "When the window closes by the gateway's clock (ms since the Unix epoch), for boxes that have a clock; null when closed.",
    }),
  },
  { additionalProperties: false, $id: 'WindowPayload', title: 'Window' },
)
export type WindowPayload = Static<typeof WindowPayload>

export const InvitePayload = Type.Object(
  {
    ageMs: Type.Optional(Type.Integer({ minimum: 0, description: 'How long ago the officer pressed the button; a request older than a few seconds is ignored.' })),
  },
  { additionalProperties: false, $id: 'InvitePayload', title: 'Invite', description: 'The officer-side ("mời đánh giá") button: asks the gateway to open a rating window at the box\'s counter, for the officer on duty.' },
)
export type InvitePayload = Static<typeof InvitePayload>
