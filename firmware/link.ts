/**
 * How a box reaches the gateway. Two implementations: in-process (a box plugged into the
 * gateway's own host; in-process-link.ts) and MQTT (a box on a small host at the counter;
 * mqtt-link.ts). The device layer only sees this interface, so it never imports MQTT, and a
 * single contract suite (test/firmware/link-contract.test.ts) runs against both.
 */
import type { EventEmitter } from 'node:events'
import type { ConfigPayload, PressPayload, StatusPayload, WindowPayload } from '../protocol/index.ts'

export interface LinkEvents {
  /** The gateway can be reached: queued presses may be sent. */
  up: []
  /** The gateway cannot be reached any more; sends fail until the next `up`. */
  down: [reason: Error]
  /** The gateway sent this box's (retained) configuration. */
  config: [config: ConfigPayload]
  /** The rating window of the box's counter (retained; issue 13). */
  window: [window: WindowPayload]
  /** Something went wrong that the link handles itself (bad config, refused login); for logs. */
  error: [err: Error]
}

export interface Link extends EventEmitter<LinkEvents> {
  /** Where the link goes, for logs (never holds a secret). */
  readonly name: string
  readonly isUp: boolean
  /** Starts connecting (and keeps reconnecting with backoff); does not wait for the gateway. */
  start(): Promise<void>
  /** Says the box is going offline when it can, then disconnects. */
  stop(): Promise<void>
  /**
   * Sends one press. Resolves once the gateway has acknowledged it (stored durably); rejects
   * when it could not be delivered now, and the caller keeps it queued and tries again.
   */
  sendPress(press: PressPayload): Promise<void>
  /** Publishes the box's status (retained by the gateway). Rejects like sendPress. */
  sendStatus(status: StatusPayload): Promise<void>
  /** The officer-side button asks for a rating window. Rejects like sendPress. */
  sendInvite(): Promise<void>
}
