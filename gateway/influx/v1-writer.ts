/**
 * InfluxDB 1.x HTTP API: `POST /write?db=&rp=&precision=ns` (the InfluxDB that Debian and
 * Ubuntu ship, 1.6.7). Credentials go in a Basic authorization header, which 1.x accepts like
 * `u=`/`p=` but which keeps the password out of URLs and proxy logs.
 */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { classifyResponse, networkError, safeUrl, type InfluxConfig, type InfluxWriter, type WriteResult } from './writer.ts'

const gzipAsync = promisify(gzip)

export class V1Writer implements InfluxWriter {
  private readonly endpoint: string
  private readonly headers: Record<string, string>
  readonly target: string

  constructor(private readonly config: InfluxConfig) {
    const params = new URLSearchParams({ db: config.database, precision: 'ns' })
    if (config.retentionPolicy) params.set('rp', config.retentionPolicy)
    this.endpoint = `${config.url.replace(/\/+$/, '')}/write?${params}`
    this.headers = { 'content-type': 'text/plain; charset=utf-8' }
    if (config.gzip) this.headers['content-encoding'] = 'gzip'
    if (config.username !== undefined) {
      const basic = Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')
      this.headers.authorization = `Basic ${basic}`
    }
    this.target = `v1 ${safeUrl(config.url)} db=${config.database}${config.retentionPolicy ? ` rp=${config.retentionPolicy}` : ''}`
  }

  async write(body: string, signal?: AbortSignal): Promise<WriteResult> {
    const timeout = AbortSignal.timeout(this.config.timeoutMs)
    let res: Response
    let answer: string
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: this.headers,
        // zlib's async gzip runs on the thread pool, off the event loop.
        body: this.config.gzip ? await gzipAsync(body) : body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
      answer = await res.text()
    } catch (err) {
      throw networkError(err)
    }
    if (res.status >= 200 && res.status < 300) return { dropped: 0 }
    const outcome = classifyResponse(res.status, answer, res.headers.get('retry-after'))
    if (outcome instanceof Error) throw outcome
    return outcome
  }

  async close(): Promise<void> {}
}
