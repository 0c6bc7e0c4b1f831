/**
 * Debian's `victoria-metrics` for tests and benchmarks, on a free loopback port in its own
 * temp dir; disposed at the end of the test or file that started it (see process.ts).
 *
 *   const vm = await startVictoriaMetrics()
 *   const series = await vm.exportSeries('{__name__="press_value"}')
 */
import { join } from 'node:path'
import { freePort } from '../ports.ts'
import { httpOk, startServer, withProcess, type ServerProcess } from './process.ts'

export interface VictoriaMetricsOptions {
  /**
   * Deduplicate samples of one series with the same millisecond (default true): a re-sent
   * batch then rewrites its points, as in InfluxDB. VictoriaMetrics keeps millisecond
   * timestamps only, so the sub-millisecond digits of our timestamps are dropped.
   */
  dedup?: boolean
  keepDir?: boolean
}

export interface VmSeries {
  metric: Record<string, string>
  values: number[]
  timestamps: number[]
}

export interface VictoriaMetricsServer extends ServerProcess {
  readonly url: string
  readonly port: number
  /** Makes recently written samples searchable now (instead of within a second or so). */
  flush(): Promise<void>
  /** Raw samples of every series matching a selector, e.g. `{__name__="press_value"}` (flushes first). */
  exportSeries(selector: string): Promise<VmSeries[]>
  /** PromQL/MetricsQL instant query; returns the `data.result` array. */
  query(promql: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>
}

export async function startVictoriaMetrics(opts: VictoriaMetricsOptions = {}): Promise<VictoriaMetricsServer> {
  let port = 0
  const proc = await startServer({
    command: 'victoria-metrics',
    debianPackage: 'victoria-metrics',
    dirPrefix: 'chamdiem-vm-',
    keepDir: opts.keepDir,
    async args(dir, fresh) {
      if (fresh) port = await freePort()
      return [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${join(dir, 'data')}`,
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
        // Without this, samples of the last 30 s are hidden from queries (not from export).
        '-search.latencyOffset=0s',
        ...(opts.dedup === false ? [] : ['-dedup.minScrapeInterval=1ms']),
      ]
    },
    ready: () => httpOk(`http://127.0.0.1:${port}/health`),
  })

  const server: VictoriaMetricsServer = withProcess<Omit<VictoriaMetricsServer, keyof ServerProcess>>(proc, {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    async flush() {
      await fetch(`${server.url}/internal/force_flush`).then((r) => r.arrayBuffer())
    },
    async exportSeries(selector) {
      await server.flush()
      const res = await fetch(`${server.url}/api/v1/export`, {
        method: 'POST',
        body: new URLSearchParams({ 'match[]': selector, start: '0' }),
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`victoria-metrics export ${selector}: HTTP ${res.status} ${text}`)
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as VmSeries)
    },
    async query(promql, time) {
      await server.flush()
      const params = new URLSearchParams({ query: promql })
      if (time !== undefined) params.set('time', String(time / 1000))
      const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', body: params })
      const body = (await res.json()) as { status: string; data?: { result: never[] }; error?: string }
      if (!res.ok || body.status !== 'success') throw new Error(`victoria-metrics ${promql}: ${body.error ?? res.status}`)
      return body.data!.result
    },
  })
  return server
}
