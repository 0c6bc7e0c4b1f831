/**
 * The optional parts of a standard gateway, in start order: boxes plugged in by USB, the
 * InfluxDB forwarder, the HTTP API and dashboard. Each is loaded lazily so a gateway without
 * InfluxDB never loads its client, and each may fail to start without stopping the others
 * (Gateway.addOptionalPart logs the reason and runs on).
 */
import { join } from 'node:path'
import type { InProcessGateway } from '../firmware/in-process-link.ts'
import type { Gateway } from './gateway.ts'

export interface StandardPartsOptions {
  /** Event stream heartbeat of the dashboard (default live-hub.ts HEARTBEAT_MS); tests shorten it. */
  heartbeatMs?: number
}

/**
 * What a box plugged in by USB is given of the gateway: the same ingest path as MQTT
 * (resolving is the acknowledgement) and its config exactly when the retained topic changes.
 */
export function inProcessGateway(gateway: Gateway): InProcessGateway {
  return {
    submit: (boxId, kind, payload) => gateway.ingest.submit(boxId, kind, payload),
    watchConfig: (boxId, onConfig) => gateway.configPublisher.watch(boxId, onConfig),
    watchWindow: (boxId, onWindow) => gateway.windows.watch(boxId, onWindow),
  }
}

export function addStandardParts(gateway: Gateway, opts: StandardPartsOptions = {}): void {
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
        gateway: inProcessGateway(gateway),
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
  gateway.addOptionalPart('retention', async () => {
    const { Retention } = await import('./store/retention.ts')
    const forwarders = config.influx ? ['influx'] : []
    return new Retention({ db: gateway.db, config: config.retention, forwarders, now: gateway.now, log: log.child({ area: 'store' }) })
  })
  if (config.backup.enabled) {
    gateway.addOptionalPart('backup', async () => {
      const { BackupSchedule } = await import('./backup-schedule.ts')
      return new BackupSchedule({ config, log: log.child({ area: 'backup' }), now: gateway.now })
    })
  }
  gateway.addOptionalPart('http', async () => {
    if (!config.http.enabled) return null
    const { HttpService } = await import('./http/server.ts')
    const { Alerts } = await import('./alerts.ts')
    // The one Alerts service: evaluated for the dashboard, so it runs with it.
    const alerts = new Alerts({
      db: gateway.db,
      bus: gateway.bus,
      timezone: config.timezone,
      log: log.child({ area: 'alerts' }),
      now: gateway.now,
      system: () => gateway.systemAlerts(),
    })
    const http = new HttpService({
      db: gateway.db,
      registry: gateway.registry,
      bus: gateway.bus,
      config,
      log,
      now: gateway.now,
      alerts,
      windows: gateway.windows,
      tokens: gateway.tokens,
      health: () => gateway.health(),
      extraMetrics: () => gateway.metrics(),
      heartbeatMs: opts.heartbeatMs,
    })
    return {
      name: 'http',
      async start() {
        alerts.start()
        try {
          await http.start()
        } catch (err) {
          alerts.stop()
          throw err
        }
        gateway.alerts = alerts
        gateway.http = http
        gateway.httpUrl = http.url
        // Shown once on the console by the CLI (never logged).
        if (http.firstAdmin) gateway.notices.firstAdmin = http.firstAdmin
      },
      async stop() {
        await http.stop()
        alerts.stop()
      },
    }
  })
}
