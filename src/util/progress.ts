/**
 * A one-line progress bar with rate and ETA on a terminal; plain periodic lines otherwise (CI logs,
 * pipes), so long runs always show they are alive.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Minimum seconds between plain-text lines when not on a terminal. */
  plainInterval?: number;
  /** Units already done before this bar started (e.g. a resumed run); excluded from the rate. */
  start?: number;
}

export class ProgressBar {
  private readonly started = performance.now();
  private lastPlain = -Infinity;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private startCount: number | null;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.startCount = opts.start ?? null;
  }

  /** `done` units finished so far; `fields` are shown after the bar (e.g. proxy and true returns). */
  update(done: number, fields: Record<string, string | number> = {}): void {
    if (this.startCount === null) this.startCount = done - 1;
    const elapsed = (performance.now() - this.started) / 1000;
    const progressed = done - this.startCount;
    const rate = progressed / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.opts.total - done) / rate : Infinity;
    const frac = Math.min(1, done / this.opts.total);
    const parts = Object.entries(fields).map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
    const text = `${this.opts.label} ${done}/${this.opts.total} ${rate.toFixed(2)} ${this.opts.unit ?? 'it'}/s ETA ${formatDuration(eta)}${parts.length ? ' | ' + parts.join(' ') : ''}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[2K${bar} ${text}`);
    } else if (elapsed - this.lastPlain >= (this.opts.plainInterval ?? 10) || done >= this.opts.total) {
      this.lastPlain = elapsed;
      this.stream.write(text + '\n');
    }
  }

  finish(message?: string): void {
    if (this.tty) this.stream.write('\n');
    if (message) this.stream.write(message + '\n');
  }
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}
