/**
 * Download progress on a terminal: a bar redrawn in place on a TTY, a plain line per 5 % otherwise (logs, CI,
 * pipes), each with bytes, rate and time left.
 */
import type { ModelDownloadEvent } from '../api/schemas';
import { formatBytes } from './download-error';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** "2 h 5 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.max(0, Math.round(seconds))} s`;
}

export class TerminalProgress {
  private lastBucket = -1;
  private drawn = false;

  constructor(private readonly out: ProgressStream) {}

  /** Shows one downloader event. */
  update(event: ModelDownloadEvent): void {
    if (event.type === 'start') {
      this.line(
        `Downloading ${event.model}: ${event.files} files, ${formatBytes(event.totalBytes)}${event.receivedBytes > 0 ? ` (resuming, ${formatBytes(event.receivedBytes)} already here)` : ''} into ${event.dir}`,
      );
      return;
    }
    if (event.type === 'progress') {
      const pct = event.totalBytes > 0 ? (event.receivedBytes / event.totalBytes) * 100 : 100;
      const stage =
        event.stage === 'verify'
          ? `checking the bytes already downloaded of ${event.file}`
          : event.stage === 'install'
            ? 'installing'
            : `${formatBytes(event.receivedBytes)} of ${formatBytes(event.totalBytes)}${event.bytesPerSecond > 0 ? `, ${formatBytes(event.bytesPerSecond)}/s` : ''}${event.etaSeconds !== null && event.etaSeconds > 0 ? `, ${formatDuration(event.etaSeconds)} left` : ''}`;
      if (this.out.isTTY) {
        const width = 24;
        const filled = Math.round((pct / 100) * width);
        const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% ${stage}`;
        const columns = this.out.columns ?? 100;
        this.out.write(
          `\r${text.slice(0, columns - 1).padEnd(Math.min(columns - 1, this.drawn ? columns - 1 : 0))}`,
        );
        this.drawn = true;
        return;
      }
      const bucket = Math.floor(pct / 5);
      if (event.stage === 'download' && bucket === this.lastBucket) return;
      if (event.stage === 'download') this.lastBucket = bucket;
      this.out.write(`${pct.toFixed(0)}% ${stage}\n`);
      return;
    }
    if (event.type === 'done') {
      this.line(
        `Installed ${event.model} in ${event.dir} (${formatBytes(event.downloadedBytes)} downloaded).`,
      );
      return;
    }
    this.line(`Error: ${event.message}`);
  }

  private line(text: string): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
    this.out.write(`${text}\n`);
  }
}
