/**
 * Debian's nginx as the reverse proxy in front of the dashboard, on a free loopback port with
 * its own prefix, config, pid file and temp paths in a temp dir (never the system service).
 * The config is the plain one an office's IT person writes for TLS termination, without any
 * SSE-specific setting: proxy buffering stays on (nginx's default) and the gateway's
 * `X-Accel-Buffering: no` must turn it off for the event stream. `master_process off` keeps
 * it one process owned by the test (no workers that switch user). Disposed at the end of the
 * test or file that started it (see process.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, portOpen } from '../ports.ts'
import { startServer, withProcess, type ServerProcess } from './process.ts'

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx'

export interface NginxServer extends ServerProcess {
  readonly port: number
  readonly url: string
}

export async function startNginx(opts: { upstreamPort: number }): Promise<NginxServer> {
  let port = 0
  const proc = await startServer({
    command: NGINX_BIN,
    debianPackage: 'nginx',
    dirPrefix: 'chamdiem-nginx-',
    async args(dir, fresh) {
      if (fresh) port = await freePort()
      for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d), { recursive: true })
      const conf = join(dir, 'nginx.conf')
      writeFileSync(
        conf,
        [
          'daemon off;',
          'master_process off;',
          `pid ${join(dir, 'nginx.pid')};`,
          `error_log ${join(dir, 'logs/error.log')} warn;`,
          'events { worker_connections 256; }',
          'http {',
          `  access_log ${join(dir, 'logs/access.log')};`,
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, 'tmp', k)};`),
          '  server {',
          `    listen 127.0.0.1:${port};`,
          '    location / {',
          `      proxy_pass http://127.0.0.1:${opts.upstreamPort};`,
          '      proxy_http_version 1.1;',
          '      proxy_set_header Host $http_host;',
          '      proxy_set_header Connection "";',
          '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
          '      proxy_set_header X-Forwarded-Proto $scheme;',
          '    }',
          '  }',
          '}',
          '',
        ].join('\n'),
      )
      // -p: the prefix for relative paths, so nothing under /var/lib/nginx or /var/log/nginx is touched.
      return ['-p', dir, '-c', conf, '-e', join(dir, 'logs/error.log')]
    },
    ready: () => portOpen(port),
  })
  return withProcess(proc, {
    get port() {
      return port
    },
    get url() {
      return `http://127.0.0.1:${port}`
    },
  })
}
