import type { RunEvent } from '../audit/run.js';

/** A one-line progress bar with ETA on a TTY; one plain line per finished check otherwise. */
export function progressPrinter(
  stream: NodeJS.WriteStream | NodeJS.WritableStream,
  tty: boolean,
): (e: RunEvent) => void {
  let started = 0;
  let label = '';
  const write = (s: string) => stream.write(s);
  return (e) => {
    if (e.type === 'check-start') {
      started = performance.now();
      label = `[${e.index + 1}/${e.total}] ${e.id}`;
      if (tty) write(`\r\x1b[2K${label} ...`);
    } else if (e.type === 'progress' && tty) {
      const frac = e.samples > 0 ? e.done / e.samples : 1;
      const width = 24;
      const filled = Math.round(frac * width);
      const elapsed = (performance.now() - started) / 1000;
      const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : 0;
      write(
        `\r\x1b[2K${label} ${'#'.repeat(filled)}${'.'.repeat(width - filled)} ${e.done}/${e.samples} ETA ${eta.toFixed(0)}s`,
      );
    } else if (e.type === 'check-end') {
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      if (tty) write('\r\x1b[2K');
      write(`${label} ${e.outcome} (${secs}s)\n`);
    }
  };
}
