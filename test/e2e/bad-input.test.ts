import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { firstImage, workspace } from '../helpers/workspace.js';

const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
  [
    'malformed YAML',
    async (d) => writeFile(join(d, 'spec.yaml'), 'version: 1\nmodel: [\n'),
    /spec\.yaml:\d+:\d+: Invalid YAML/,
  ],
  [
    'unknown check',
    async (d) => {
      const p = join(d, 'spec.yaml');
      await writeFile(
        p,
        (await readFile(p, 'utf8')).replace('check: background-swap', 'check: backgroud-swap'),
      );
    },
    /spec\.yaml:\d+:\d+: Unknown check 'backgroud-swap'.*Did you mean 'background-swap'/,
  ],
  [
    'missing model file',
    async (d) => {
      const p = join(d, 'spec.yaml');
      await writeFile(p, (await readFile(p, 'utf8')).replace('model/model.json', 'model/missing.json'));
    },
    /spec\.yaml:8:\d+: The model file does not exist/,
  ],
  [
    'an image that cannot be decoded',
    async (d) => writeFile(await firstImage(d), 'this is not a png'),
    /manifest\.csv:2: Cannot decode image/,
  ],
  [
    'a class name the model does not have',
    async (d) => {
      const p = join(d, 'spec.yaml');
      await writeFile(
        p,
        (await readFile(p, 'utf8')).replace('classes: [husky, wolf]', 'classes: [husky, wolf, fox]'),
      );
    },
    /spec\.yaml:9:\d+: The model has 2 output\(s\) but the spec lists 3 classes/,
  ],
  [
    'a label that is not a class',
    async (d) => {
      const p = join(d, 'val/manifest.csv');
      await writeFile(p, (await readFile(p, 'utf8')).replace(',wolf,', ',wolff,'));
    },
    /manifest\.csv:\d+: Label 'wolff' is not one of the model's classes.*Did you mean 'wolf'/,
  ],
  [
    'a model whose input shape does not fit the spec',
    async (d) => {
      const p = join(d, 'spec.yaml');
      await writeFile(p, (await readFile(p, 'utf8')).replace('size: [64, 64]', 'size: [32, 32]'));
    },
    /spec\.yaml:10:\d+: The spec's input size \[32, 32\] does not fit the model/,
  ],
];

describe('bad input exits 2 with one clear paragraph and no report', () => {
  for (const [name, breakIt, message] of cases) {
    it(name, async () => {
      const dir = await workspace();
      await breakIt(dir);
      const out = join(dir, 'out');
      const r = await runCli(['run', join(dir, 'spec.yaml'), '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
      expect(existsSync(out)).toBe(false);
    });
  }

  it('prints the stack with --verbose', async () => {
    const dir = await workspace();
    await writeFile(await firstImage(dir), 'broken');
    const r = await runCli(['run', join(dir, 'spec.yaml'), '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('validate accepts the demo spec and list shows every unit', async () => {
    const v = await runCli(['validate', 'audits/wolf-snow-biased.yaml']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/valid \(9 checks/);
    const l = await runCli(['list']);
    expect(l.code).toBe(0);
    for (const id of [
      'grad-cam',
      'integrated-gradients',
      'saliency',
      'occlusion',
      'background-swap',
      'steps',
    ]) {
      expect(l.stdout).toContain(id);
    }
  });
});
