/**
 * The contract as data: for every topic kind, who publishes it, with which QoS and retain
 * flag, and the schema of its payload (model: zigbee2mqtt lib/types/api.ts).
 */
import type { TSchema } from '@sinclair/typebox'
import { ConfigPayload, InvitePayload, PressPayload, StatusPayload, WindowPayload } from './schemas.ts'
import type { TopicKind } from './topics.ts'

export interface TopicContract {
  schema: TSchema
  direction: 'box->gateway' | 'gateway->box'
  qos: 1
  retain: boolean
  summary: string
}

export const CONTRACT = {
  press: {
    schema: PressPayload,
    direction: 'box->gateway',
    qos: 1,
    retain: false,
    summary: 'One button press. Re-send until PUBACK; the gateway deduplicates on (boxId, boot, seq).',
  },
  status: {
    schema: StatusPayload,
    direction: 'box->gateway',
    qos: 1,
    retain: true,
    summary: 'Box health, retained. Also the will message with {"state":"offline"}.',
  },
  config: {
    schema: ConfigPayload,
    direction: 'gateway->box',
    qos: 1,
    retain: true,
    summary: 'Settings and the officer on duty, retained, republished when they change.',
  },
  window: {
    schema: WindowPayload,
    direction: 'gateway->box',
    qos: 1,
    retain: true,
    summary:
      "The rating window of the box's counter, retained so a reconnecting box gets the current state: published open when a queue system, counter app, the dashboard or the officer's button opens one, and closed at the first counted press, on time-out, or when the next opens.",
  },
  invite: {
    schema: InvitePayload,
    direction: 'box->gateway',
    qos: 1,
    retain: false,
    summary: 'The officer-side button ("mời đánh giá"): opens a rating window at the box\'s counter. Acknowledged at once; the window arrives on the window topic.',
  },
} as const satisfies Record<TopicKind, TopicContract>

export interface PayloadByKind {
  press: PressPayload
  status: StatusPayload
  config: ConfigPayload
  window: WindowPayload
  invite: InvitePayload
}
