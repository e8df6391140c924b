/**
 * Writes LocalScribe's icons (a blue rounded square with a white "S") as PNG files beside this script.
 * Run `npx tsx assets/generate-icons.ts` after changing the design; the PNGs are committed, so the build never
 * runs this. Node's zlib does the compression; the rest of PNG (chunks, CRC) is a few lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

/** Ribbon icons (16/32/80) and the add-in icons (32/64). */
const SIZES = [16, 32, 64, 80] as const;
const BLUE = [0x0f, 0x6c, 0xbd] as const; // Fluent's brand blue, so the icon sits well beside Office's own.
const SUPERSAMPLE = 4;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as a PNG file. */
function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter "none" on every row
    rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** The "S" as a polyline in unit coordinates: two arcs meeting in the middle. */
function sPath(): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const r = 0.15;
  for (let a = 25; a <= 270; a += 5) {
    const t = (a * Math.PI) / 180;
    points.push([0.5 + r * Math.cos(t), 0.355 - r * Math.sin(t)]);
  }
  for (let a = 90; a >= -155; a -= 5) {
    const t = (a * Math.PI) / 180;
    points.push([0.5 + r * Math.cos(t), 0.645 - r * Math.sin(t)]);
  }
  return points;
}

function distanceToSegment(
  px: number,
  py: number,
  [ax, ay]: [number, number],
  [bx, by]: [number, number],
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function insideRoundedSquare(x: number, y: number, radius: number): boolean {
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

/** Renders one icon, anti-aliased by supersampling. */
function render(size: number): Uint8Array {
  const path = sPath();
  const halfStroke = size <= 16 ? 0.07 : 0.055; // thicker at 16 px so the glyph survives
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      let white = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const u = (x + (sx + 0.5) / SUPERSAMPLE) / size;
          const v = (y + (sy + 0.5) / SUPERSAMPLE) / size;
          if (!insideRoundedSquare(u, v, 0.2)) continue;
          cover += 1;
          if (path.some((p, i) => i > 0 && distanceToSegment(u, v, path[i - 1], p) <= halfStroke)) white += 1;
        }
      }
      const samples = SUPERSAMPLE * SUPERSAMPLE;
      const w = cover === 0 ? 0 : white / cover;
      const o = (y * size + x) * 4;
      rgba[o] = Math.round(BLUE[0] + (255 - BLUE[0]) * w);
      rgba[o + 1] = Math.round(BLUE[1] + (255 - BLUE[1]) * w);
      rgba[o + 2] = Math.round(BLUE[2] + (255 - BLUE[2]) * w);
      rgba[o + 3] = Math.round((255 * cover) / samples);
    }
  }
  return rgba;
}

for (const size of SIZES) {
  writeFileSync(join(__dirname, `icon-${size}.png`), encodePng(size, render(size)));
}
