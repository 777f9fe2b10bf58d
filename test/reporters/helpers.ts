import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ReporterContext } from '../../src/reporters/types.js';

/** A writable stream that keeps what was written, for asserting console output. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'xaudit-reporters-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function context(
  outDir: string,
  over: Partial<ReporterContext> = {},
): ReporterContext & { stdout: Capture } {
  return {
    outDir,
    specPath: 'audits/wolf-snow.yaml',
    stdout: new Capture(),
    env: {},
    isTTY: false,
    ...over,
  } as ReporterContext & { stdout: Capture };
}
