/**
 * The optional parts of a standard gateway, in start order: boxes plugged in by USB, the
 * InfluxDB forwarder, the HTTP API and dashboard. Each is loaded lazily so a gateway without
 * InfluxDB never loads its client, and each may fail to start without stopping the others
 * (Gateway.addOptionalPart logs the reason and runs on).
 */
import { join } from 'node:path'
import type { Gateway } from './gateway.ts'

export function addStandardParts(gateway: Gateway): void {
  const { config, log } = gateway
  if (config.usb.length > 0) {
    gateway.addOptionalPart('usb-boxes', async () => {
      const { UsbBoxes } = await import('../firmware/usb-boxes.ts')
      const serialLog = log.child({ area: 'serial' })
      for (const spec of config.usb) {
        if (!gateway.registry.boxExists(spec.box)) {
          serialLog.warn({ box: spec.box }, 'usb box is not provisioned: its presses will be stored without a counter (chamdiem box provision)')
        }
      }
      return new UsbBoxes({
        boxes: config.usb.map((b) => ({ ...b, pins: b.pins ? { ...b.pins } : undefined })),
        queueDir: join(config.dataDir, 'usb'),
        log: serialLog,
        gateway: {
          // The same ingest path as MQTT; resolving is the acknowledgement.
          submit: (boxId, kind, payload) => gateway.ingest.submit(boxId, kind, payload),
          watchConfig: (boxId, onConfig) => gateway.configPublisher.watch(boxId, onConfig),
        },
      })
    })
  }
  const influx = config.influx
  if (influx) {
    gateway.addOptionalPart('influx', async () => {
      const { InfluxForwarder } = await import('./influx/forwarder.ts')
      return new InfluxForwarder({ db: gateway.db, config: influx, log: log.child({ area: 'influx' }), bus: gateway.bus })
    })
  }
  gateway.addOptionalPart('http', async () => {
    if (!config.http.enabled) return null
    const { HttpService } = await import('./http/server.ts')
    const http = new HttpService({
      db: gateway.db,
      registry: gateway.registry,
      bus: gateway.bus,
      config,
      log,
      now: gateway.now,
      health: () => gateway.health(),
      extraMetrics: () => gateway.metrics(),
    })
    return {
      name: 'http',
      async start() {
        await http.start()
        gateway.httpUrl = http.url
        // Shown once on the console by the CLI (never logged).
        if (http.firstAdmin) gateway.notices.firstAdmin = http.firstAdmin
      },
      stop: () => http.stop(),
    }
  })
}
