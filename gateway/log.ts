/**
 * The one pino logger. Pretty output only when stdout is a terminal; JSON lines otherwise
 * (for journald and log shippers). Each part takes a child: `log.child({ area: 'ingest' })`.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(level: string = process.env.CHAMDIEM_LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.stdout.isTTY && !process.env.CHAMDIEM_LOG_JSON
  return pino({
    level,
    // Never log a secret, even if one slips into an object we log.
    redact: { paths: ['password', 'secret', '*.password', '*.secret', 'req.headers.cookie'], censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  })
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
