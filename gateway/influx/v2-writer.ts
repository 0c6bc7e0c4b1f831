/**
 * InfluxDB v2 write API (`/api/v2/write`) through `@influxdata/influxdb-client`: InfluxDB 2.x,
 * 3.x, Cloud, 1.8+ (token `user:password`), and VictoriaMetrics.
 *
 * The client's own batching and retry buffer are switched off: the forwarder's SQLite cursor
 * is the only retry state, so one call here is exactly one HTTP request whose outcome we see.
 */
import { InfluxDB, HttpError, type WriteOptions } from '@influxdata/influxdb-client'
import { classifyResponse, networkError, safeUrl, type InfluxConfig, type InfluxWriter, type WriteResult } from './writer.ts'

export class V2Writer implements InfluxWriter {
  private client: InfluxDB | null = null
  readonly target: string

  constructor(private readonly config: InfluxConfig) {
    this.target = `v2 ${safeUrl(config.url)} org=${config.org} bucket=${config.bucket}`
  }

  async write(body: string): Promise<WriteResult> {
    this.client ??= new InfluxDB({ url: this.config.url, token: this.config.token, timeout: this.config.timeoutMs })
    const options: Partial<WriteOptions> = {
      batchSize: 2, // the body is one record, sent by close() in one request
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 0,
      gzipThreshold: this.config.gzip ? 1000 : Number.MAX_SAFE_INTEGER,
      // Returning a promise makes it the outcome of the flush: no retry buffer, no console log.
      writeFailed: (error: Error) => Promise.reject(error),
    }
    const api = this.client.getWriteApi(this.config.org, this.config.bucket, 'ns', options)
    api.writeRecord(body)
    try {
      await api.close()
    } catch (err) {
      if (err instanceof HttpError) {
        const header = err.headers?.['retry-after']
        const outcome = classifyResponse(err.statusCode, err.body ?? '', Array.isArray(header) ? header[0] : header)
        if (outcome instanceof Error) throw outcome
        return outcome
      }
      throw networkError(err)
    }
    return { dropped: 0 }
  }

  async close(): Promise<void> {
    this.client = null
  }
}
