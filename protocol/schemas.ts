/**
 * Payload schemas of the contract. These TypeBox schemas are the single source of truth: the
 * TypeScript types, the runtime validation (codec.ts) and the published JSON Schema / AsyncAPI
 * document (generate-docs.ts) all come from them.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Name } from './ids.ts'

export const RATINGS = ['positive', 'neutral', 'negative'] as const
export type Rating = (typeof RATINGS)[number]

export const RatingSchema = Type.Union(
  RATINGS.map((r) => Type.Literal(r)),
  {
    description:
      'positive = smiley ("Rất hài lòng"), neutral ("Hài lòng"), negative = frown ("Không hài lòng").',
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
