/**
 * Decodes the bytes of a plain-text document (.txt, .md, standard input).
 *
 * UTF-8 is the default (a BOM is dropped); UTF-16 is recognised only by its BOM, because guessing an encoding
 * without one produces mojibake, and mojibake summarised is worse than a clear error. Line endings are
 * normalised to `\n`.
 */

/** Thrown by {@link decodeText} when the bytes are not valid text in any encoding it accepts. */
export class TextDecodingError extends Error {
  override readonly name = 'TextDecodingError';
}

/**
 * Returns the text of `bytes` with `\r\n` and lone `\r` turned into `\n`.
 *
 * @throws {TextDecodingError} when the bytes are not valid UTF-8 (or valid UTF-16 after a UTF-16 BOM).
 */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = decodeStrict('utf-16le', bytes.subarray(2), 'UTF-16');
  } else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Swapped into little-endian by hand: 'utf-16be' needs full ICU, which not every Node build has.
    const body = bytes.subarray(2);
    if (body.length % 2 !== 0)
      throw new TextDecodingError('the UTF-16 text ends in the middle of a character');
    const swapped = Buffer.from(body);
    swapped.swap16();
    text = decodeStrict('utf-16le', swapped, 'UTF-16');
  } else {
    // TextDecoder drops a leading UTF-8 BOM by itself (ignoreBOM defaults to false).
    text = decodeStrict('utf-8', bytes, 'UTF-8');
  }
  return text.replace(/\r\n?/g, '\n');
}

function decodeStrict(encoding: 'utf-8' | 'utf-16le', bytes: Uint8Array, label: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new TextDecodingError(`it is not valid ${label} text`, { cause });
  }
}
