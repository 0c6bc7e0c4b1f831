/**
 * Loads the gateway config: YAML file, then environment overrides, then defaults, then one
 * validation that reports every problem at once as `path: problem`. The result is frozen and
 * passed to the parts that need it; nothing reads settings from a global.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { ValueError } from '@sinclair/typebox/errors'
import { ConfigSchema, InfluxSchema, type GatewayConfig } from './config-schema.ts'
import { SCALE_PRESETS, resolveScale, type RatingScale } from '../protocol/index.ts'

export type { GatewayConfig }

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  }
}

/** `CHAMDIEM_MQTT_PORT=1884` overrides `mqtt.port`; names come from the schema (scalars only). */
export function envOverrides(env: NodeJS.ProcessEnv = process.env): Array<{ path: string[]; name: string; raw: string }> {
  const found: Array<{ path: string[]; name: string; raw: string }> = []
  const walk = (schema: TSchema, path: string[]) => {
    // A section that may be null (influx) is walked through its object member.
    const objectMember = (schema as { anyOf?: TSchema[] }).anyOf?.find((m) => (m as { properties?: unknown }).properties)
    const props = (objectMember ?? (schema as { properties?: Record<string, TSchema> })).properties as Record<string, TSchema> | undefined
    if (props && path.length < 2) {
      for (const [k, s] of Object.entries(props)) walk(s, [...path, k])
      return
    }
    if (path.length === 0) return
    const name = 'CHAMDIEM_' + path.map((p) => p.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
    const raw = env[name]
    if (raw !== undefined) found.push({ path, name, raw })
  }
  walk(ConfigSchema, [])
  return found
}

function coerce(raw: string): unknown {
  if (raw === 'null') return null
  if (raw === 'true' || raw === 'false') return raw === 'true'
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw)
  return raw
}

/** Validates a parsed config object (from YAML or built in code), filling defaults. */
export function resolveConfig(input: unknown, source = '(object)', env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  if (input === null || input === undefined) input = {}
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(source, ['/: the config must be a mapping of keys to values'])
  }
  const value = structuredClone(input) as Record<string, unknown>
  const overrides = envOverrides(env)
  // Setting CHAMDIEM_INFLUX_URL (or _API) turns forwarding on; other influx variables only
  // adjust a section that is on, so a stray token never starts forwarding to a default URL.
  const influxOn = (value.influx !== null && value.influx !== undefined) || overrides.some((o) => o.path[0] === 'influx' && (o.path[1] === 'url' || o.path[1] === 'api'))
  const strays = overrides.filter((o) => o.path[0] === 'influx' && !influxOn)
  if (strays.length > 0) {
    throw new ConfigError(source, strays.map((o) => `/influx/${o.path[1]}: ${o.name} is set but InfluxDB forwarding is off (give an influx section or CHAMDIEM_INFLUX_URL)`))
  }
  for (const o of overrides) {
    let target = value
    for (const key of o.path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {}
      target = target[key] as Record<string, unknown>
    }
    target[o.path[o.path.length - 1]] = coerce(o.raw)
  }
  // Value.Default does not descend into a union's chosen member: fill the influx section itself.
  if (value.influx && typeof value.influx === 'object') value.influx = Value.Default(InfluxSchema, value.influx)
  const withDefaults = Value.Default(ConfigSchema, value) as Record<string, unknown>
  const describe = (prefix: string) => (e: ValueError) =>
    `${prefix}${e.path === '' && !prefix ? '/' : e.path}: ${e.message[0].toLowerCase()}${e.message.slice(1)}` +
    (e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : '')
  const influx = withDefaults.influx
  const problems =
    influx && typeof influx === 'object'
      ? [
          ...[...Value.Errors(ConfigSchema, { ...withDefaults, influx: null })].map(describe('')),
          ...[...Value.Errors(InfluxSchema, influx)].map(describe('/influx')),
        ]
      : [...Value.Errors(ConfigSchema, withDefaults)].map(describe(''))
  // Union errors repeat per member; keep each line once.
  const unique = [...new Set(problems)]
  if (unique.length > 0) throw new ConfigError(source, unique)
  const config = withDefaults as GatewayConfig
  // The scale in full, whichever way it was given: every part reads config.ratingScale.levels.
  const scale = resolveScale(config.ratingScale as Parameters<typeof resolveScale>[0], '/ratingScale/levels')
  if ('problems' in scale) throw new ConfigError(source, scale.problems)
  config.ratingScale.levels = scale.levels as unknown as GatewayConfig['ratingScale']['levels']
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.timezone })
  } catch {
    throw new ConfigError(source, [`/timezone: unknown time zone (got ${JSON.stringify(config.timezone)})`])
  }
  return deepFreeze(config)
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  if (!file) return resolveConfig({}, '(defaults)', env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, [`/: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`])
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw new ConfigError(file, [`/: not valid YAML (${(err as Error).message.split('\n')[0]})`])
  }
  return resolveConfig(parsed, file, env)
}

/** The deployment's rating scale, best first (filled in by resolveConfig). */
export function ratingScale(config: Pick<GatewayConfig, 'ratingScale'>): RatingScale {
  return (config.ratingScale.levels as RatingScale | undefined) ?? SCALE_PRESETS[config.ratingScale.preset]
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
