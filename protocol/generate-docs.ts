/**
 * Writes the contract for firmware authors from the TypeBox schemas: one JSON Schema per
 * payload and an AsyncAPI 2.6 document (`npm run protocol:docs`). The files are committed; a
 * test fails when they differ from what the schemas generate, so they never go stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { APP_CHANNELS } from './apps.ts'
import { CONTRACT } from './contract.ts'
import { BOX_ID_PATTERN } from './ids.ts'
import { TOPIC_ROOT } from './topics.ts'

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated')

/** Plain JSON Schema (draft 2020-12) without TypeBox's internal symbols. */
function jsonSchema(schema: unknown, id: string): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(schema)), $id: id }
}

export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  const messages: Record<string, unknown> = {}
  const channels: Record<string, unknown> = {}
  for (const [kind, c] of Object.entries(CONTRACT)) {
    const name = `${kind}.schema.json`
    files[name] = JSON.stringify(jsonSchema(c.schema, name), null, 2) + '\n'
    messages[kind] = {
      name: kind,
      title: (c.schema as { title?: string }).title,
      summary: c.summary,
      contentType: 'application/json',
      payload: JSON.parse(JSON.stringify(c.schema)),
      bindings: { mqtt: { bindingVersion: '0.1.0' } },
    }
    // AsyncAPI describes the application (the gateway): boxes publish, so the gateway subscribes.
    const op = c.direction === 'box->gateway' ? 'publish' : 'subscribe'
    channels[`${TOPIC_ROOT}/boxes/{boxId}/${kind}`] = {
      parameters: { boxId: { description: 'Box id, also its MQTT username', schema: { type: 'string', pattern: BOX_ID_PATTERN } } },
      [op]: {
        summary: c.summary,
        bindings: { mqtt: { qos: c.qos, retain: c.retain, bindingVersion: '0.1.0' } },
        message: { $ref: `#/components/messages/${kind}` },
      },
    }
  }
  for (const app of APP_CHANNELS) {
    const name = (app.schema as { $id: string }).$id
    messages[name] = { name, title: (app.schema as { title?: string }).title, summary: app.summary, contentType: 'application/json', payload: JSON.parse(JSON.stringify(app.schema)) }
    channels[app.topic] = {
      parameters: { tokenId: { description: 'Integration token id (scope windows); the app connects as app:{tokenId}', schema: { type: 'string', pattern: '^[A-Za-z0-9]{1,32}$' } } },
      [app.op]: { summary: app.summary, bindings: { mqtt: { qos: 1, retain: app.retain, bindingVersion: '0.1.0' } }, message: { $ref: `#/components/messages/${name}` } },
    }
  }
  const asyncapi = {
    asyncapi: '2.6.0',
    info: {
      title: 'chamdiem box protocol',
      version: '1.0.0',
      description: [
        'Button boxes report citizen ratings to the on-premise chamdiem gateway over MQTT 3.1.1 (MQTT 5 is refused).',
        'Connect with username = boxId, password = the secret issued at provisioning, and client id = boxId',
        '(any other client id is refused with CONNACK 0x02; a box holds one connection). Set a will',
        `message {"state":"offline"} (QoS 1, retained) on ${TOPIC_ROOT}/boxes/{boxId}/status.`,
        'No packet may announce more than the gateway\'s mqtt.maxPacketBytes (default 4096) of remaining',
        'length: a larger one closes the connection from its fixed header.',
        'Publish presses with QoS 1 and keep each in a local queue until its PUBACK arrives; resend',
        'with the same boot and seq after a reconnect: the gateway stores each (boxId, boot, seq) once.',
        'Draw a new random boot at every start and count seq from 1: a reused boot makes new presses',
        'look like resends of old ones, acknowledged and not stored.',
        'A box may publish only to its own press, status and invite topics (anything else closes the',
        'connection) and subscribe only to its own config and window topics (anything else gets SUBACK 0x80).',
        'Rating windows: while the retained window topic says open, show it and put its id (and reference)',
        'in the next press; a forged or stale window id is acknowledged, refused with the reason, never counted.',
        'A malformed press is acknowledged and kept aside with the reason; it is never counted.',
        'The gateway applies its cooldown and a human-rate limit to every box: repeat may flag more',
        'repeats, never fewer. The whole guide: docs/firmware.md.',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: { url: 'mqtt://gateway:1883', protocol: 'mqtt', protocolVersion: '3.1.1', description: 'The office gateway in clear (may be switched off: mqtt.plain false)' },
      'gateway-ws': { url: 'ws://gateway:9001', protocol: 'ws', protocolVersion: '3.1.1', description: 'MQTT over WebSocket, any path' },
      'gateway-tls': { url: 'mqtts://gateway:8883', protocol: 'mqtts', protocolVersion: '3.1.1', description: 'MQTT over TLS when the office configures mqtt.tls; verify the certificate against the office CA' },
    },
    channels,
    components: { messages },
  }
  files['asyncapi.yaml'] = stringify(asyncapi, { lineWidth: 0 })
  return files
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(GENERATED_DIR, { recursive: true })
  for (const [name, text] of Object.entries(generatedFiles())) {
    writeFileSync(join(GENERATED_DIR, name), text)
    console.log(`wrote ${join('protocol/generated', name)}`)
  }
}
