/** Test helper: an independent GGUF (v3) reader, to check what models/gguf/ writes. */

export interface GgufFile {
  version: number;
  metadata: Map<string, unknown>;
  tensors: { name: string; dims: number[]; type: number; offset: number }[];
  /** Byte offset of the data section (tensor offsets are relative to it). */
  dataStart: number;
}

/** Parses a GGUF file's header, metadata and tensor infos (arrays of numbers come back as number[]). */
export function readGguf(bytes: Buffer): GgufFile {
  let at = 0;
  const u32 = () => ((at += 4), bytes.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(bytes.readBigUInt64LE(at - 8)));
  const str = () => {
    const n = u64();
    at += n;
    return bytes.toString('utf8', at - n, at);
  };
  const value = (type: number): unknown => {
    switch (type) {
      case 4:
        return u32();
      case 5:
        return ((at += 4), bytes.readInt32LE(at - 4));
      case 6:
        return ((at += 4), bytes.readFloatLE(at - 4));
      case 7:
        return ((at += 1), bytes[at - 1] !== 0);
      case 8:
        return str();
      case 9: {
        const elem = u32();
        return Array.from({ length: u64() }, () => value(elem));
      }
      default:
        throw new Error(`metadata type ${type} not read by this helper`);
    }
  };
  if (bytes.toString('ascii', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const metadata = new Map<string, unknown>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    metadata.set(key, value(u32()));
  }
  const tensors = Array.from({ length: tensorCount }, () => {
    const name = str();
    const dims = Array.from({ length: u32() }, () => u64());
    return { name, dims, type: u32(), offset: u64() };
  });
  const dataStart = at + ((32 - (at % 32)) % 32);
  return { version, metadata, tensors, dataStart };
}
