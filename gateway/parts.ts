/**
 * The optional parts of a standard gateway, in start order: boxes plugged in by USB, the
 * InfluxDB forwarder, the central PostgreSQL forwarder, the HTTP API and dashboard. Each is loaded lazily so a gateway without
 * InfluxDB never loads its client, and each may fail to start without stopping the others
 * (Gateway.addOptionalPart logs the reason and runs on).
 */
import { join } from 'node:path'
import type { InProcessGateway } from '../firmware/in-process-link.ts'
import type { Gateway } from './gateway.ts'
import { ratingScale } from './config.ts'

export interface StandardPartsOptions {
  /** Event stream heartbeat of the dashboard (default live-hub.ts HEARTBEAT_MS); tests shorten it. */
  heartbeatMs?: number
  /** How often the scheduled report looks at the clock (default report-mail.ts TICK_MS); tests shorten it. */
  scheduleTickMs?: number
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
        levels: ratingScale(config).map((l) => l.id),
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
  const central = config.central
  if (central) {
    gateway.addOptionalPart('central', async () => {
      const [{ CentralForwarder }, { default: pg }] = await Promise.all([import('./central/forwarder.ts'), import('pg')])
      return new CentralForwarder({ db: gateway.db, config: central, log: log.child({ area: 'central' }), bus: gateway.bus, pg })
    })
  }
  gateway.addOptionalPart('retention', async () => {
    const { Retention } = await import('./store/retention.ts')
    const forwarders = [...(config.influx ? ['influx'] : []), ...(config.central ? ['central'] : [])]
    return new Retention({ db: gateway.db, config: config.retention, forwarders, now: gateway.now, log: log.child({ area: 'store' }) })
  })
  if (config.backup.enabled) {
    gateway.addOptionalPart('backup', async () => {
      const { BackupSchedule } = await import('./backup-schedule.ts')
      return new BackupSchedule({ config, log: log.child({ area: 'backup' }), now: gateway.now })
    })
  }
  gateway.addOptionalPart('alerts', async () => {
    const { Alerts } = await import('./alerts/alerts.ts')
    const { Notifier } = await import('./alerts/notifier.ts')
    const { ReportMail } = await import('./alerts/report-mail.ts')
    const alertLog = log.child({ area: 'alerts' })
    // The one Alerts service: the dashboard shows it, the notifier delivers it.
    const alerts = new Alerts({
      db: gateway.db,
      bus: gateway.bus,
      timezone: config.timezone,
      log: alertLog,
      rules: config.alerts,
      now: gateway.now,
      system: () => gateway.systemAlerts(),
      officerAt: (counterId, at) => gateway.attributor.officerAt(counterId, at),
    })
    const { registry } = gateway
    const notifier = new Notifier({
      config: config.notify,
      timezone: config.timezone,
      log: alertLog,
      now: gateway.now,
      names: {
        office: (id) => (id ? (registry.office(id)?.name ?? id) : null),
        counter: (id) => (id ? (registry.counter(id)?.name ?? id) : null),
        officer: (id) => (id ? (registry.officer(id)?.name ?? id) : null),
      },
    })
    const reports =
      config.notify.report.schedule !== 'off' && notifier.canMail
        ? new ReportMail({ db: gateway.db, config: config.notify, timezone: config.timezone, scale: ratingScale(config), notifier, offices: () => registry.offices(), log: alertLog, now: gateway.now, tickMs: opts.scheduleTickMs })
        : null
    return {
      name: 'alerts',
      start() {
        notifier.start(alerts)
        alerts.start()
        reports?.start()
        gateway.alerts = alerts
      },
      stop() {
        reports?.stop()
        alerts.stop()
        notifier.stop()
      },
      status: () => ({ delivery: notifier.status(), report: reports?.status() ?? null }),
      metrics: () => notifier.metrics(),
    }
  })
  gateway.addOptionalPart('http', async () => {
    if (!config.http.enabled) return null
    const { HttpService } = await import('./http/server.ts')
    const alerts = gateway.alerts
    if (!alerts) throw new Error('the alerts part is not running')
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
        await http.start()
        gateway.http = http
        gateway.httpUrl = http.url
        // Shown once on the console by the CLI (never logged).
        if (http.firstAdmin) gateway.notices.firstAdmin = http.firstAdmin
      },
      async stop() {
        await http.stop()
      },
    }
  })
}
