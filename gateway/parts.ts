/**
 * The optional parts of a standard gateway, in start order: boxes plugged in by USB, the
 * InfluxDB forwarder, the HTTP API and dashboard. Each is loaded lazily so a gateway without
 * InfluxDB never loads its client, and each may fail to start without stopping the others.
 */
import type { Gateway } from './gateway.ts'

export function addStandardParts(gateway: Gateway): void {
  // Wired as the parts land: usb (firmware/), influx (gateway/influx/), http (gateway/http/).
  void gateway
}
