/**
 * Baseline (a): bare Aedes, the same version the gateway embeds, with no hooks at all, on a
 * loopback port in its own process. Whatever the gateway adds on top is measured against it.
 */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import { collectGarbage, serveParent } from '../lib/child.ts'

// Same in-flight limit as the gateway's default config (mqtt.concurrency), so only the hooks differ.
const broker = await Aedes.createBroker({ concurrency: 1000 })
const server = createServer(broker.handle)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as AddressInfo).port

serveParent({ port }, { gc: () => collectGarbage() }, async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()))
  server.close()
})
