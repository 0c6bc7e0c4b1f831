export type Handler = (msg: Record<string, unknown>) => unknown | Promise<unknown>

export function serveParent(info: unknown, handlers: Record<string, Handler>, onStop: () => Promise<void> | void): void

export function collectGarbage(): boolean
