/**
 * Reads the boxes to simulate from a YAML file in the gateway's `registry` format
 * (gateway/config-schema.ts `RegistrySchema`): either a whole gateway config with a
 * `registry:` section or the section alone. Boxes need their `secret` to connect.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { Value } from '@sinclair/typebox/value'
import { RegistrySchema, type RegistryConfig } from '../gateway/config-schema.ts'
import type { FleetBox } from './fleet.ts'

export interface SimRegistry {
  registry: RegistryConfig
  /** Boxes with a secret, in file order. */
  boxes: FleetBox[]
  /** Boxes listed without a secret (cannot be simulated). */
  withoutSecret: string[]
  counterOf(boxId: string): string | null
}

export function parseRegistry(input: unknown, source: string): SimRegistry {
  const section =
    input && typeof input === 'object' && 'registry' in input
      ? (input as { registry: unknown }).registry
      : input
  const value = Value.Default(RegistrySchema, structuredClone(section ?? {}))
  const problems = [...Value.Errors(RegistrySchema, value)].map(
    (e) => `${e.path || '/'}: ${e.message.toLowerCase()}`,
  )
  if (problems.length > 0)
    throw new Error(`invalid registry ${source}:\n  ${[...new Set(problems)].join('\n  ')}`)
  const registry = value as RegistryConfig
  const counters = new Map(registry.boxes.map((b) => [b.id, b.counter ?? null]))
  return {
    registry,
    boxes: registry.boxes
      .filter((b) => b.secret)
      .map((b) => ({ id: b.id, secret: b.secret as string })),
    withoutSecret: registry.boxes.filter((b) => !b.secret).map((b) => b.id),
    counterOf: (id) => counters.get(id) ?? null,
  }
}

export function loadRegistryFile(file: string): SimRegistry {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    )
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw new Error(`${file} is not valid YAML (${(err as Error).message.split('\n')[0]})`)
  }
  return parseRegistry(parsed, file)
}
