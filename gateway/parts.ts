/**
 * The optional parts of a standard gateway, in start order: boxes plugged in by USB, the
 * InfluxDB forwarder, the HTTP API and dashboard. Each is loaded lazily so a gateway without
 * InfluxDB never loads its client, and each may fail to start without stopping the others
 * (Gateway.addOptionalPart logs the reason and runs on).
 */
import type { Gateway } from './gateway.ts'

export function addStandardParts(gateway: Gateway): void {
  const { config, log } = gateway
  gateway.addOptionalPart('http', async () => {
    if (!config.http.enabled) return null
    const { HttpService } = await import('./http/server.ts')
    const http = new HttpService({ db: gateway.db, registry: gateway.registry, bus: gateway.bus, config, log, health: () => gateway.health() })
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
