/**
 * Baseline (a): bare Aedes, the same version the gateway embeds, with no hooks at all, on a
 * loopback port in its own process. Whatever the gateway adds on top is measured against it.
 * Plain JavaScript run by plain Node (no tsx), so its memory is what Aedes itself needs.
 */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import { collectGarbage, serveParent } from '../lib/serve-parent.js'

// Same in-flight limit as the gateway's default config (mqtt.concurrency), so only the hooks differ.
const broker = await Aedes.createBroker({ concurrency: 1000 })
const server = createServer(broker.handle)
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = server.address().port

serveParent({ port }, { gc: () => collectGarbage() }, async () => {
  await new Promise((resolve) => broker.close(() => resolve()))
  server.close()
})
