import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A copy of the demo audit (biased model, val split) in a temp folder, so a case can break one thing. */
export async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xaudit-bad-'));
  await cp('fixtures/models/wolf-snow-biased', join(dir, 'model'), { recursive: true });
  await cp('fixtures/wolf-snow/val', join(dir, 'val'), { recursive: true });
  const spec = (await readFile('audits/wolf-snow-biased.yaml', 'utf8'))
    .replace('../fixtures/models/wolf-snow-biased/model.json', 'model/model.json')
    .replace('../fixtures/wolf-snow/val/manifest.csv', 'val/manifest.csv');
  await writeFile(join(dir, 'spec.yaml'), spec);
  return dir;
}

/** Path of the first image the workspace's manifest lists. */
export async function firstImage(dir: string): Promise<string> {
  const lines = (await readFile(join(dir, 'val/manifest.csv'), 'utf8')).split('\n');
  return join(dir, 'val', lines[1].split(',')[0]);
}

/** Replace text in a workspace file; fails loudly when the text is not there. */
export async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit: '${String(from)}' not found in ${file}`);
  await writeFile(file, next);
}
