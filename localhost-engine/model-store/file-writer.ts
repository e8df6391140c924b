/**
 * How the downloader writes bytes to disk, behind an interface so tests can inject failures (a full disk) without
 * filling one.
 */
import { promises as fs } from 'node:fs';

/** One open file being written. */
export interface WritableFile {
  /** Writes all of `data` at the end of the file. */
  write(data: Uint8Array): Promise<void>;
  /** Flushes to stable storage (when `sync`) and closes. */
  close(sync: boolean): Promise<void>;
}

export interface FileWriter {
  /** Opens `file` for appending to what it holds (`append`) or from empty (`truncate`), creating it if needed. */
  open(file: string, mode: 'append' | 'truncate'): Promise<WritableFile>;
}

/** The real file system. */
export const nodeFileWriter: FileWriter = {
  async open(file, mode) {
    const handle = await fs.open(file, mode === 'append' ? 'a' : 'w');
    return {
      async write(data) {
        let offset = 0;
        while (offset < data.length) {
          const { bytesWritten } = await handle.write(data, offset, data.length - offset);
          offset += bytesWritten;
        }
      },
      async close(sync) {
        try {
          if (sync) await handle.sync();
        } finally {
          await handle.close();
        }
      },
    };
  },
};
