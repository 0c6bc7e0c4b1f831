/** The logger tests hand to the parts they start: silent, unless CHAMDIEM_TEST_LOG names a level. */
import { createLogger, silentLogger, type Logger } from '../../gateway/log.ts'

export function testLogger(): Logger {
  const level = process.env.CHAMDIEM_TEST_LOG
  return level ? createLogger(level) : silentLogger()
}
