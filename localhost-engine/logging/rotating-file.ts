/**
 * The engine's log file when it runs as a service: lines are appended to one file, which is renamed to `.1` (and
 * `.1` to `.2`, …) when the next line would take it past `maxBytes`, so the logs never take more than about
 * `maxBytes × (keep + 1)` of the user's disk. Writes are synchronous: a line is on disk before the engine moves on,
 * and a crash loses none.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export interface RotatingFileOptions {
  /** Rotate before a line would make the file larger than this (default 5 MB). */
  maxBytes?: number;
  /** How many rotated files to keep besides the current one (default 3). */
  keep?: number;
}

/** A destination for pino (fastify's logger): it only needs `write(line)`. */
export class RotatingFile {
  private fd: number;
  private size: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  /** Opens (creating the folder and file if needed) `file` for appending. Throws when it cannot be opened. */
  constructor(
    readonly file: string,
    options: RotatingFileOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 3;
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, chunk);
    this.size += bytes;
    return true;
  }

  /** The rotated files' names, newest first: `engine.log.1`, `engine.log.2`, … */
  rotated(): string[] {
    return Array.from({ length: this.keep }, (_, i) => `${this.file}.${i + 1}`);
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const names = this.rotated();
    rmSync(names[names.length - 1], { force: true });
    for (let i = names.length - 1; i > 0; i -= 1) {
      if (existsSync(names[i - 1])) renameSync(names[i - 1], names[i]);
    }
    if (names.length > 0) renameSync(this.file, names[0]);
    else rmSync(this.file, { force: true });
    this.fd = openSync(this.file, 'a');
    this.size = 0;
  }
}
