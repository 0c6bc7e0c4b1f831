/**
 * Loads an Intel HEX image (the format Arduino toolchains and avrdude use) into flash bytes.
 * Only the record types an AVR sketch uses: data (00), end of file (01), extended segment
 * address (02) and extended linear address (04).
 */
export function loadIntelHex(text: string, flash: Uint8Array): void {
  let base = 0
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    if (!line.startsWith(':')) throw new Error(`intel hex line ${i + 1}: does not start with ':'`)
    const bytes = Buffer.from(line.slice(1), 'hex')
    const count = bytes[0]
    if (bytes.length !== count + 5)
      throw new Error(`intel hex line ${i + 1}: length does not match its byte count`)
    const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0)
    if (sum !== 0) throw new Error(`intel hex line ${i + 1}: bad checksum`)
    const address = (bytes[1] << 8) | bytes[2]
    const type = bytes[3]
    const data = bytes.subarray(4, 4 + count)
    if (type === 0x00) {
      const at = base + address
      if (at + count > flash.length)
        throw new Error(`intel hex line ${i + 1}: data beyond the ${flash.length}-byte flash`)
      flash.set(data, at)
    } else if (type === 0x01) {
      return
    } else if (type === 0x02) {
      base = ((data[0] << 8) | data[1]) << 4
    } else if (type === 0x04) {
      base = ((data[0] << 8) | data[1]) << 16
    }
    // 03 and 05 (start address records) mean nothing to an AVR: it always starts at 0.
  }
}
