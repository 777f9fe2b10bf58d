import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, parseSpec } from '../../src/audit/load.js';
import { XauditError } from '../../src/core/errors.js';

let dir: string;

const GOOD = `version: 1
name: t
seed: 7
model:
  path: model.json
  classes: [husky, wolf]
  input: { size: [64, 64], range: [0, 1] }
data:
  val:
    manifest: val.csv
explanations:
  gradcam: { method: grad-cam }
  ig: { method: integrated-gradients, steps: 8 }
checks:
  - id: acc
    check: accuracy
    expect: { accuracy: { ">=": 0.9 } }
  - id: mass
    check: attribution-mass-in-box
    explanation: gradcam
    where: { label: wolf }
    expect: { mean: { ">=": 0.5 } }
  - id: complete
    check: completeness
    explanation: ig
    expect: { quantile: { q: 0.95, "<=": 0.05 } }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-load-'));
  await writeFile(join(dir, 'model.json'), '{}');
  await writeFile(join(dir, 'val.csv'), 'path,label\n');
});

async function load(text: string) {
  return parseSpec(text, join(dir, 'spec.yaml'), 'spec.yaml');
}

async function failure(text: string): Promise<XauditError> {
  try {
    await load(text);
  } catch (e) {
    if (e instanceof XauditError) return e;
    throw e;
  }
  throw new Error('expected the spec to be rejected');
}

describe('loadSpec', () => {
  it('fills defaults from the registries and resolves paths', async () => {
    const spec = await load(GOOD);
    expect(spec.seed).toBe(7);
    expect(spec.model.path).toBe(join(dir, 'model.json'));
    expect(spec.model.input.mean).toEqual([0, 0, 0]);
    expect(spec.explanations.ig.options.steps).toBe(8);
    expect(spec.explanations.gradcam.options.layer).toBe('auto');
    expect(spec.checks.map((c) => c.data)).toEqual(['val', 'val', 'val']);
    expect(spec.checks[1].where).toEqual({ label: ['wolf'] });
    expect(spec.checks[1].line).toBe(18);
    expect(spec.checks[0].target).toBe('label');
  });

  it('reads a spec from disk', async () => {
    await writeFile(join(dir, 'spec.yaml'), GOOD);
    const spec = await loadSpec(join(dir, 'spec.yaml'));
    expect(spec.checks).toHaveLength(3);
  });

  // Each bad input: what to change, the error code, the line, and text the message must hold.
  const cases: [string, (s: string) => string, string, number | null, RegExp][] = [
    ['empty spec', () => '', 'SPEC_INVALID', 1, /empty/],
    ['YAML syntax error', (s) => s.replace('seed: 7', 'seed: [7'), 'SPEC_YAML', null, /Invalid YAML/],
    [
      'wrong type',
      (s) => s.replace('seed: 7', 'seed: seven'),
      'SPEC_INVALID',
      3,
      /Expected integer, got string "seven"/,
    ],
    [
      'unknown top-level key',
      (s) => s.replace('seed: 7', 'sed: 7'),
      'SPEC_INVALID',
      3,
      /Unknown option 'sed'.*Did you mean 'seed'/,
    ],
    [
      'unknown check',
      (s) => s.replace('check: accuracy', 'check: acuracy'),
      'SPEC_REFERENCE',
      16,
      /Unknown check 'acuracy'.*Did you mean 'accuracy'/,
    ],
    [
      'unknown method',
      (s) => s.replace('method: grad-cam', 'method: gradcam'),
      'SPEC_REFERENCE',
      12,
      /Unknown method 'gradcam'.*Did you mean 'grad-cam'/,
    ],
    [
      'unknown method option',
      (s) => s.replace('steps: 8', 'stpes: 8'),
      'SPEC_INVALID',
      13,
      /Unknown option 'stpes'.*Did you mean 'steps'/,
    ],
    ['bad option value', (s) => s.replace('steps: 8', 'steps: -1'), 'SPEC_INVALID', 13, /steps/],
    [
      'unknown check option',
      (s) => s.replace('    where: { label: wolf }', '    wher: { label: wolf }'),
      'SPEC_INVALID',
      21,
      /Unknown option 'wher'.*Did you mean 'where'/,
    ],
    [
      'unknown class in where',
      (s) => s.replace('label: wolf', 'label: wolff'),
      'SPEC_REFERENCE',
      21,
      /'wolff' is not one of the model's classes.*Did you mean 'wolf'/,
    ],
    [
      'unknown explanation',
      (s) => s.replace('explanation: gradcam', 'explanation: gradcm'),
      'SPEC_REFERENCE',
      20,
      /Unknown explanation 'gradcm'.*Did you mean 'gradcam'/,
    ],
    [
      'unknown statistic',
      (s) => s.replace('mean: {', 'meen: {'),
      'SPEC_INVALID',
      22,
      /Unknown statistic 'meen'.*Did you mean 'mean'/,
    ],
    [
      'bad comparison',
      (s) => s.replace('mean: { ">="', 'mean: { "=>"'),
      'SPEC_INVALID',
      22,
      /Unknown option '=>'.*Did you mean '>='/,
    ],
    [
      'duplicate check id',
      (s) => s.replace('id: mass', 'id: acc'),
      'SPEC_INVALID',
      18,
      /Duplicate check id 'acc'/,
    ],
    [
      'missing model file',
      (s) => s.replace('path: model.json', 'path: nope.json'),
      'FILE_MISSING',
      5,
      /model file does not exist/,
    ],
    [
      'missing manifest',
      (s) => s.replace('manifest: val.csv', 'manifest: nope.csv'),
      'FILE_MISSING',
      10,
      /data manifest file does not exist/,
    ],
    [
      'completeness on a method without it',
      (s) => s.replace('explanation: ig', 'explanation: gradcam'),
      'SPEC_INVALID',
      25,
      /satisfies completeness/,
    ],
    [
      'unknown target',
      (s) => s.replace('    check: accuracy\n', '    check: accuracy\n    target: wolve\n'),
      'SPEC_REFERENCE',
      17,
      /Target 'wolve'.*Did you mean 'wolf'/,
    ],
    [
      'missing expect',
      (s) => s.replace('    expect: { accuracy: { ">=": 0.9 } }\n', ''),
      'SPEC_INVALID',
      15,
      /Missing required field 'expect'/,
    ],
  ];

  for (const [name, edit, code, line, message] of cases) {
    it(`rejects: ${name}`, async () => {
      const e = await failure(edit(GOOD));
      expect(e.code).toBe(code);
      const text = e.format();
      expect(text).toMatch(message);
      expect(text.startsWith('spec.yaml')).toBe(true);
      if (line !== null) expect(e.location?.line).toBe(line);
    });
  }
});
