/**
 * The CRC of HJ 212-2017 Annex A ("ANSI CRC16"): over the UTF-8 bytes of the data segment only,
 * register 0xFFFF, per byte `reg = (reg >> 8) ^ byte` then 8 rounds of `lsb ? (reg >> 1) ^ 0xA001 : reg >> 1`.
 * Not CRC-16/MODBUS (which XORs the byte into the low half instead of shifting first).
 *
 * Since `(reg >> 8) ^ byte` is below 256, the 8 rounds reduce to one table lookup per byte:
 * `reg = TABLE[(reg >> 8) ^ byte]`.
 */

/** TABLE[b] = the 8 rounds applied to b (exported for parsers that fold the CRC into another pass). */
export const TABLE = new Uint16Array(256);
for (let b = 0; b < 256; b += 1) {
  let reg = b;
  for (let i = 0; i < 8; i += 1) reg = reg & 1 ? (reg >>> 1) ^ 0xa001 : reg >>> 1;
  TABLE[b] = reg;
}

/** CRC of `bytes[start, end)` as a number (0..0xFFFF). */
export function crc16Bytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let reg = 0xffff;
  for (let i = start; i < end; i += 1) reg = TABLE[(reg >>> 8) ^ bytes[i]];
  return reg;
}

/** CRC of a data segment given as text (encoded as UTF-8). */
export function crc16(data: string): number {
  // Fast path for ASCII (almost every packet): char codes are the bytes.
  let reg = 0xffff;
  for (let i = 0; i < data.length; i += 1) {
    const c = data.charCodeAt(i);
    if (c > 0x7f) return crc16Bytes(Buffer.from(data, 'utf8'));
    reg = TABLE[(reg >>> 8) ^ c];
  }
  return reg;
}

/** The CRC as the 4 upper-case hex digits written in a packet. */
export function crcHex(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
