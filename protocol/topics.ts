/**
 * Topic names of the chamdiem MQTT contract (DESIGN.md, "The contract").
 * Every topic is `chamdiem/v1/boxes/{boxId}/{kind}`; the box id is also the MQTT username.
 */
import { BOX_ID_PATTERN, isBoxId } from './ids.ts'

export const TOPIC_ROOT = 'chamdiem/v1'

export const TOPIC_KINDS = ['press', 'status', 'config', 'window', 'invite'] as const
export type TopicKind = (typeof TOPIC_KINDS)[number]

export function boxTopic(boxId: string, kind: TopicKind): string {
  if (!isBoxId(boxId)) throw new Error(`invalid box id ${JSON.stringify(boxId)}: expected ${BOX_ID_PATTERN}`)
  return `${TOPIC_ROOT}/boxes/${boxId}/${kind}`
}

export const pressTopic = (boxId: string): string => boxTopic(boxId, 'press')
export const statusTopic = (boxId: string): string => boxTopic(boxId, 'status')
export const configTopic = (boxId: string): string => boxTopic(boxId, 'config')
/** The rating window of the box's counter (gateway -> box, retained). */
export const windowTopic = (boxId: string): string => boxTopic(boxId, 'window')
/** The officer-side button asks for a rating window (box -> gateway). */
export const inviteTopic = (boxId: string): string => boxTopic(boxId, 'invite')

export interface ParsedTopic {
  boxId: string
  kind: TopicKind
}

const PREFIX = `${TOPIC_ROOT}/boxes/`

/** Parses a concrete topic; returns null for anything that is not exactly one of ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  if (!topic.startsWith(PREFIX)) return null
  const rest = topic.slice(PREFIX.length).split('/')
  if (rest.length !== 2) return null
  const [boxId, kind] = rest
  if (!isBoxId(boxId)) return null
  if (!(TOPIC_KINDS as readonly string[]).includes(kind)) return null
  return { boxId, kind: kind as TopicKind }
}
