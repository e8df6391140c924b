/**
 * Transfer rate over a sliding window, so the rate and time left follow the connection as it is now rather than
 * its average since the start.
 */
export class RateMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Records that `bytes` (a running total) had arrived at time `t` (ms). */
  add(t: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.t === t) last.bytes = bytes;
    else this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples are at least 100 ms apart. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 100) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }
}
