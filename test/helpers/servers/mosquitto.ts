/**
 * Debian's Mosquitto for the benchmarks' baseline, on a free loopback port with a generated
 * config (anonymous access, no persistence) in its own temp dir; disposed at the end of the
 * test or file that started it under vitest, by `stop()` or `dispose()` otherwise (see process.ts).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, portOpen } from '../ports.ts'
import { startServer, withProcess, type ServerProcess } from './process.ts'

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'

export interface MosquittoServer extends ServerProcess {
  readonly port: number
}

export async function startMosquitto(): Promise<MosquittoServer> {
  let port = 0
  const proc = await startServer({
    command: MOSQUITTO_BIN,
    debianPackage: 'mosquitto',
    dirPrefix: 'chamdiem-mosquitto-',
    async args(dir, fresh) {
      if (fresh) port = await freePort()
      const conf = join(dir, 'mosquitto.conf')
      writeFileSync(
        conf,
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous true',
          'persistence false',
          'log_dest none',
          // Same in-flight room as the benchmark generator's window, so no publish waits on the broker's queue.
          'max_inflight_messages 0',
          'max_queued_messages 100000',
          '',
        ].join('\n'),
      )
      return ['-c', conf]
    },
    ready: () => portOpen(port),
  })
  return withProcess(proc, {
    get port() {
      return port
    },
  })
}
