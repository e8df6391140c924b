/**
 * Protobuf's wire format, as ONNX files use it: reading fields by number without decoding the message, and
 * writing messages. Protobuf lets repeated fields (nodes, initializers, outputs) appear anywhere in a message,
 * so a rewrite can append new ones to a graph's bytes and cut out the ones it drops.
 */

export const WIRE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

export interface Field {
  number: number;
  wireType: number;
  /** The field's whole encoding (tag included). */
  start: number;
  end: number;
  /** For length-delimited fields: the payload. */
  payloadStart: number;
}

/**
 * An unsigned varint at `at`, as a number (exact up to 2^53).
 * @throws Error when the bytes end inside it or it is longer than ten bytes.
 */
export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new Error('truncated varint');
    const b = bytes[i++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i };
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('varint too long');
  }
}

/** An int64 field's value: negative numbers are ten-byte two's complement varints. */
export function signedVarint(bytes: Uint8Array, at: number): number {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length; i++) {
    value |= BigInt(bytes[i] & 0x7f) << shift;
    if (bytes[i] < 0x80) break;
    shift += 7n;
  }
  return Number(BigInt.asIntN(64, value));
}

/**
 * The fields of the message in bytes [from, to), in order.
 * @throws Error when a field is cut short or has an unknown wire type.
 */
export function* fields(bytes: Uint8Array, from = 0, to = bytes.length): Generator<Field> {
  let at = from;
  while (at < to) {
    const start = at;
    const tag = readVarint(bytes, at);
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value & 7;
    at = tag.next;
    let payloadStart = at;
    if (wireType === WIRE.varint) at = readVarint(bytes, at).next;
    else if (wireType === WIRE.fixed64) at += 8;
    else if (wireType === WIRE.fixed32) at += 4;
    else if (wireType === WIRE.lengthDelimited) {
      const len = readVarint(bytes, at);
      payloadStart = len.next;
      at = len.next + len.value;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (at > to) throw new Error('truncated protobuf field');
    yield { number, wireType, start, end: at, payloadStart };
  }
}

/** A non-negative varint's bytes. */
export function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited field: tag, length, payload. */
export function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + WIRE.lengthDelimited), varint(payload.byteLength), payload]);
}

/** Accumulates one protobuf message's fields. */
export class MessageWriter {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wireType: number): void {
    this.varintRaw(BigInt((field << 3) | wireType));
  }

  private varintRaw(value: bigint): void {
    // int64 fields encode negatives as 10-byte two's complement varints.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.parts.push(Buffer.from(bytes));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE.varint);
    this.varintRaw(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE.fixed32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value, 0);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE.lengthDelimited);
    this.varintRaw(BigInt(value.byteLength));
    this.parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** An already encoded message as field `field`. */
  message(field: number, value: Uint8Array): this {
    return this.bytes(field, value);
  }

  /** Already encoded fields, as they are. */
  raw(value: Uint8Array): this {
    this.parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
