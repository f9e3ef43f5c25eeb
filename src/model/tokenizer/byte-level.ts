/**
 * GPT-2's byte-level alphabet: each byte 0–255 stands for one printable code point, so byte-level
 * BPE tokens are strings. Printable Latin-1 bytes map to themselves; the other 68 bytes map, in
 * order, to U+0100 and up (space becomes U+0120 "Ġ", newline U+010A "Ċ").
 */

function isPrintableLatin1(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

const BYTE_TO_CODE_POINT = new Uint16Array(256);
const CODE_POINT_TO_BYTE = new Map<number, number>();
{
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    const codePoint = isPrintableLatin1(byte) ? byte : next++;
    BYTE_TO_CODE_POINT[byte] = codePoint;
    CODE_POINT_TO_BYTE.set(codePoint, byte);
  }
}

/** Returns the byte-level character that stands for one byte. */
export function byteToChar(byte: number): string {
  return String.fromCharCode(BYTE_TO_CODE_POINT[byte]);
}

/**
 * Decodes a byte-level token text to its bytes. A character outside the alphabet is kept as the
 * text "[UNK_BYTE_0x…]" with its UTF-8 bytes in hex, as llama.cpp writes it.
 */
export function byteLevelToBytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const byte = CODE_POINT_TO_BYTE.get(char.codePointAt(0)!);
    if (byte !== undefined) {
      bytes.push(byte);
      continue;
    }
    const utf8 = new TextEncoder().encode(char);
    const hex = Array.from(utf8, (b) => b.toString(16).padStart(2, '0')).join('');
    bytes.push(...new TextEncoder().encode(`[UNK_BYTE_0x${hex}${text}]`));
  }
  return bytes;
}
