import type { JobState } from '../core/api/contract.ts';

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update(job: JobState): void;
  end(): void;
} {
  let drawn = false;
  return {
    update(job) {
      if (!stream.isTTY || job.status !== 'running') return;
      const width = 30;
      const frac = job.total ? Math.min(1, job.done / job.total) : 0;
      const bar = job.total ? '█'.repeat(Math.round(frac * width)).padEnd(width, '░') : '…'.padEnd(width, ' ');
      const rate = job.ratePerSecond ? `${formatCount(job.ratePerSecond)} ${job.unit}/s` : '';
      const eta = job.etaSeconds !== null ? `ETA ${Math.ceil(job.etaSeconds)}s` : '';
      const line = `${bar} ${job.total ? `${Math.round(frac * 100)}%` : ''} ${formatCount(job.done)} ${job.unit} ${rate} ${eta} ${job.message ?? ''}`;
      stream.write(`\r${line.slice(0, (stream.columns || 100) - 1).padEnd((stream.columns || 100) - 1)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
