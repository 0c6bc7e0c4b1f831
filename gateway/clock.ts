/**
 * The gateway's one clock. The gateway's clock decides the time, the shift and the officer of
 * every press (boxes have none), so every part that dates history — ingest, the registry and
 * its import, box configs, the live view, the dashboard's writes — reads the same clock,
 * given once to the Gateway. Tests give a frozen or stepped clock and the whole gateway
 * follows it; nothing in the gateway reads `Date.now()` for a date it stores.
 */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()
