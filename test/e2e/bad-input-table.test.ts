/**
 * Every bad input of issue 7, one row each: the message a person sees and exit
 * code 2. Rows that break the spec, model or data fail before evaluation and
 * leave no --out folder at all; rows that break a check during evaluation (a NaN
 * output, an empty selection) write the whole report with that check 'error'.
 * bad-input.test.ts holds the first cases (malformed YAML, an undecodable image,
 * a missing model file, an input size the model does not take) and is not repeated here.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { runCli } from '../helpers/cli.js';
import { edit, firstImage, workspace } from '../helpers/workspace.js';

interface Row {
  name: string;
  breakIt(dir: string): Promise<void>;
  message: RegExp;
  /** Where --out goes (default: dir/out). */
  out?(dir: string): Promise<string>;
  /** The failing check, when the break is found during evaluation (then a whole report is written). */
  erroredCheck?: string;
}

const spec = (d: string) => join(d, 'spec.yaml');

const rows: Row[] = [
  {
    name: 'empty spec',
    breakIt: (d) => writeFile(spec(d), '# nothing yet\n'),
    message: /spec\.yaml:1:1: The spec is empty\. A spec needs at least version, model, data and checks/,
  },
  {
    name: 'YAML syntax error (bad indentation)',
    breakIt: (d) => edit(spec(d), 'seed: 1234', 'seed: 1234\n  oops: [1, 2'),
    message: /spec\.yaml:\d+:\d+: Invalid YAML/,
  },
  {
    name: 'wrong type',
    breakIt: (d) => edit(spec(d), 'seed: 1234', 'seed: many'),
    message: /spec\.yaml:6:7: .*integer.*\(at seed\)/,
  },
  {
    name: 'unknown top-level key, with did-you-mean',
    breakIt: (d) => edit(spec(d), 'explanations:', 'explanation:'),
    message: /spec\.yaml:\d+:\d+: .*'explanation'.*Did you mean 'explanations'/,
  },
  {
    name: 'unknown check option, with did-you-mean',
    breakIt: (d) =>
      edit(spec(d), 'severity: warn\n    expect: { median', 'severty: warn\n    expect: { median'),
    message:
      /spec\.yaml:\d+:\d+: Unknown option 'severty' for check 'occlusion-agreement'.*Did you mean 'severity'/,
  },
  {
    name: 'duplicate check ids',
    breakIt: (d) => edit(spec(d), 'id: fgsm-robust', 'id: accuracy'),
    message: /spec\.yaml:\d+:\d+: Duplicate check id 'accuracy' \(also checks\[0\]\)/,
  },
  {
    name: 'missing manifest',
    breakIt: (d) => edit(spec(d), 'val/manifest.csv', 'val/nope.csv'),
    message: /spec\.yaml:13:\d+: The data manifest file does not exist: .*nope\.csv/,
  },
  {
    name: 'missing image file',
    breakIt: async (d) => edit(join(d, 'val/manifest.csv'), '0000.png', '9999.png'),
    message: /manifest\.csv:2: .*9999\.png/,
  },
  {
    name: 'truncated PNG',
    breakIt: async (d) => {
      const img = await firstImage(d);
      await truncate(img, Math.floor((await stat(img)).size / 2));
    },
    message: /manifest\.csv:2: Cannot decode image .*0000\.png/,
  },
  {
    name: 'truncated model weights',
    breakIt: async (d) => {
      const bin = join(d, 'model/group1-shard1of1.bin');
      await truncate(bin, Math.floor((await stat(bin)).size / 2));
    },
    message:
      /error\[MODEL_FORMAT\]: .*group1-shard1of1\.bin: .*hold 28804 bytes but the manifest needs 57608 bytes \(truncated/,
  },
  {
    name: 'spec/model shape mismatch (channels)',
    breakIt: (d) => edit(spec(d), 'mean: [0, 0, 0], std: [1, 1, 1]', 'channels: 1, mean: [0], std: [1]'),
    message: /spec\.yaml:10:\d+: The spec's input has 1 channel\(s\) but the model takes 3/,
  },
  {
    name: 'a model producing NaN',
    breakIt: async (d) => {
      const bin = join(d, 'model/group1-shard1of1.bin');
      const n = (await stat(bin)).size / 4;
      await writeFile(bin, new Uint8Array(new Float32Array(n).fill(Number.NaN).buffer));
    },
    message:
      /accuracy: error: 64 sample\(s\) could not be scored \(max_errors: 0\): 0000\.png, 0001\.png, .*first reason: the model output is NaN/,
    erroredCheck: 'accuracy',
  },
  {
    name: 'a `where` that selects nothing',
    breakIt: (d) => edit(spec(d), 'check: accuracy\n', 'check: accuracy\n    where: { group: desert }\n'),
    message: /accuracy: error: the selection holds no samples/,
    erroredCheck: 'accuracy',
  },
  {
    name: 'unwritable --out (a path under a regular file)',
    breakIt: (d) => writeFile(join(d, 'file'), 'not a folder'),
    out: async (d) => join(d, 'file', 'out'),
    message: /Cannot write to the output folder '.*file\/out'/,
  },
];

describe('bad inputs: exit 2, a clear message, never a partial report', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const dir = await workspace();
      await row.breakIt(dir);
      const out = row.out === undefined ? join(dir, 'out') : await row.out(dir);
      // --only accuracy keeps each row fast; the spec, model and all data are still loaded whole.
      const r = await runCli(['run', spec(dir), '--out', out, '--only', 'accuracy', '--no-cache']);
      expect(r.code, r.stderr + r.stdout).toBe(2);
      expect(r.stderr + r.stdout).toMatch(row.message);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (row.erroredCheck === undefined) {
        expect(existsSync(out)).toBe(false);
      } else {
        // The report is whole: it parses, lists the check, and marks it errored with the reason.
        const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
        const c = report.checks.find((x) => x.id === row.erroredCheck);
        expect(c?.outcome).toBe('error');
        expect(report.summary.exitCode).toBe(2);
        for (const f of ['report.html', 'junit.xml']) expect(existsSync(join(out, f)), f).toBe(true);
      }
      // No staging folders are left beside --out.
      expect((await readdir(dir)).filter((f) => f.startsWith('.xaudit-staging-'))).toEqual([]);
    }, 30_000);
  }
});
