/**
 * The packet limit, enforced before anything is buffered. Aedes's parser (mqtt-packet) keeps
 * every byte of a packet until the whole packet has arrived, so a PUBLISH or CONNECT that
 * announces 250 MB is read whole, before authentication even, and only then judged. The
 * guard sits between the connection and Aedes: it reads each packet's fixed header as the
 * bytes stream past, and closes the connection as soon as a header announces more than the
 * limit, without reading the body. Bytes that pass are handed on unchanged.
 */
import { Duplex } from 'node:stream'

export interface PacketGuardOptions {
  /** Largest remaining length (variable header + payload) a packet may announce, in bytes. */
  limit: number
  /** Called once, before the connection is closed, with the length the header announced and its first byte. */
  onOversize: (announced: number, firstByte: number) => void
}

export class PacketGuard extends Duplex {
  /** Body bytes of the current packet still to pass before the next fixed header. */
  private skip = 0
  private state: 'type' | 'length' = 'type'
  private firstByte = 0
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private refused = false

  constructor(
    private readonly inner: Duplex,
    private readonly options: PacketGuardOptions,
  ) {
    super()
    inner.on('data', (chunk: Buffer) => {
      if (this.refused || !this.inspect(chunk)) return
      if (!this.push(chunk)) inner.pause()
    })
    inner.on('end', () => this.push(null))
    inner.on('error', (err) => this.destroy(err))
    inner.on('close', () => this.destroy())
  }

  /** The peer's address when the inner stream is a socket (for logs). */
  get remoteAddress(): string | undefined {
    return (this.inner as { remoteAddress?: string }).remoteAddress
  }

  /** Walks the fixed headers in `chunk`; false once a packet is refused (the connection is then closing). */
  private inspect(chunk: Buffer): boolean {
    let i = 0
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i)
        this.skip -= n
        i += n
      } else if (this.state === 'type') {
        this.firstByte = chunk[i++] // control packet type and flags (MQTT 3.1.1 section 2.2.1, 2.2.2)
        this.state = 'length'
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
      } else {
        // MQTT 3.1.1 section 2.2.3: the remaining length is a varint of at most four bytes,
        // seven bits each, least significant first; bit 8 says another byte follows.
        const byte = chunk[i++]
        this.length += (byte & 0x7f) * this.multiplier
        this.multiplier *= 128
        this.lengthBytes++
        // The value only grows with further bytes: refuse as soon as it is over the limit.
        if (this.length > this.options.limit) return this.refuse(this.length)
        if (byte & 0x80) {
          // A fifth length byte is malformed (2.2.3); Aedes's parser closes the connection for it.
          if (this.lengthBytes === 4) break
        } else {
          this.skip = this.length
          this.state = 'type'
        }
      }
    }
    return true
  }

  private refuse(announced: number): false {
    this.refused = true
    this.options.onOversize(announced, this.firstByte)
    this.inner.destroy()
    this.destroy()
    return false
  }

  override _read(): void {
    this.inner.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.forward(chunk, callback)
  }

  /**
   * Chunks written while the guard was corked, as one write to the connection. mqtt-packet
   * writes a packet in pieces (a PUBACK in three) inside a cork, and Aedes answers the
   * presses of one group commit together: without this, each piece was a system call.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.forward(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback)
  }

  private forward(chunk: Buffer, callback: (err?: Error | null) => void): void {
    // The inner stream's own backpressure: the next write waits only while it is full. If it
    // closes meanwhile, destroying the guard fails the pending write.
    if (this.inner.write(chunk)) callback()
    else this.inner.once('drain', () => callback())
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.inner.end()
    callback()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.inner.destroy()
    callback(err)
  }
}
