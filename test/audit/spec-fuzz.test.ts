/**
 * Property-based fuzzing of the spec loader: whatever the text, parseSpec
 * either resolves or throws an XauditError with a code and a file:line:col
 * location; never another exception (which the CLI would call an internal error).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import { XauditError } from '../../src/core/errors.js';
import { runCli } from '../helpers/cli.js';

// Beside the demo spec, so its relative paths resolve to the real fixtures and valid mutants load.
const FILE = resolve('audits/fuzz.yaml');
const DEMO = readFileSync('audits/wolf-snow-biased.yaml', 'utf8');
// The demo plus the spec features it does not use, so mutations reach their validation too.
const RICH = `${DEMO.trimEnd()}
  - id: extra
    check: accuracy
    where: { label: [wolf], group: snow }
    target: predicted
    max_errors: 2
    expect: { fraction: { where: { ">=": 0.5 }, ">=": 0.1 }, quantile: { q: 0.5, ">=": 0 } }
report: { worst: 3, heatmaps: 2 }
`;
const LINES = RICH.split('\n');

/** Resolves, or throws an XauditError that says where; anything else fails the property. */
async function wellBehaved(text: string): Promise<boolean> {
  try {
    await parseSpec(text, FILE, 'fuzz.yaml');
    return true;
  } catch (e) {
    if (!(e instanceof XauditError)) {
      throw new Error(`not an XauditError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    expect(e.code).toMatch(/^[A-Z_]+$/);
    expect(e.location?.file).toBe('fuzz.yaml');
    expect(e.location?.line ?? 0).toBeGreaterThanOrEqual(1);
    expect(e.format().length).toBeGreaterThan(0);
    return true;
  }
}

// YAML's structural characters, some words the schema knows, and plain noise.
const token = fc.oneof(
  fc.constantFrom(
    ':',
    ': ',
    '- ',
    '\n',
    '\n  ',
    '\n    ',
    '{',
    '}',
    '[',
    ']',
    ',',
    '#',
    '&a ',
    '*a',
    '!!str ',
    '!!int ',
    "'",
    '"',
    '|',
    '>',
    '? ',
    '---',
    '...',
    '~',
    'null',
    'true',
    '1e999',
    '-0',
    '0x1F',
    '.nan',
    '<<: *a',
  ),
  fc.constantFrom(
    'version',
    'model',
    'path',
    'classes',
    'input',
    'size',
    'data',
    'manifest',
    'checks',
    'id',
    'check',
    'expect',
    'explanations',
    'method',
    'where',
    'seed',
    'report',
    'accuracy',
    'mean',
    'quantile',
    '">="',
  ),
  fc.string({ maxLength: 6 }),
);
const yamlish = fc.array(token, { maxLength: 60 }).map((t) => t.join(''));

type Mutation =
  | { kind: 'delete' | 'duplicate' | 'swap'; at: number; to: number }
  | {
      kind: 'replace' | 'insert';
      at: number;
      col: number;
      text: string;
    };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('delete' as const, 'duplicate' as const, 'swap' as const),
    at: fc.nat(LINES.length - 1),
    to: fc.nat(LINES.length - 1),
  }),
  fc.record({
    kind: fc.constantFrom('replace' as const, 'insert' as const),
    at: fc.nat(LINES.length - 1),
    col: fc.nat(60),
    text: fc.oneof(token, fc.string({ maxLength: 8 }), fc.integer().map(String), fc.double().map(String)),
  }),
);

/** Apply mutations line-wise: structure mostly survives, so deep validation paths get exercised. */
function mutate(lines: readonly string[], ms: readonly Mutation[]): string {
  const out = [...lines];
  for (const m of ms) {
    const at = m.at % Math.max(out.length, 1);
    if (!('text' in m)) {
      const to = m.to % Math.max(out.length, 1);
      if (m.kind === 'delete') out.splice(at, 1);
      else if (m.kind === 'duplicate') out.splice(at, 0, out[at] ?? '');
      else [out[at], out[to]] = [out[to], out[at]];
    } else {
      const line = out[at] ?? '';
      const col = Math.min(m.col, line.length);
      // replace: overwrite from col to the next space or the end of the line (one token).
      const end =
        m.kind === 'insert'
          ? col
          : (() => {
              const sp = line.indexOf(' ', col + 1);
              return sp < 0 ? line.length : sp;
            })();
      out[at] = line.slice(0, col) + m.text + line.slice(end);
    }
  }
  return out.join('\n');
}

describe('spec loader fuzzing (fast-check)', () => {
  it('the unmutated specs load', async () => {
    await expect(parseSpec(DEMO, FILE, 'fuzz.yaml')).resolves.toBeDefined();
    await expect(parseSpec(RICH, FILE, 'fuzz.yaml')).resolves.toBeDefined();
  });

  it('a classes_file that is not a JSON array of strings is a spec error, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-classes-'));
    for (const [name, text] of [
      ['bad.json', '[oops'],
      ['numbers.json', '[1, 2]'],
    ]) {
      await writeFile(join(dir, name), text);
      const spec = RICH.replace('classes: [husky, wolf]', `classes_file: ${join(dir, name)}`);
      await expect(parseSpec(spec, FILE, 'fuzz.yaml')).rejects.toThrow(
        /The classes file .* (not valid JSON|array of strings)/,
      );
      expect(await wellBehaved(spec)).toBe(true);
    }
  });

  it('random YAML-ish text: resolves or an XauditError with a location', async () => {
    await fc.assert(fc.asyncProperty(yamlish, wellBehaved), { numRuns: 400, seed: 7 });
  });

  it('random mutations of the demo spec: resolves or an XauditError with a location', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) =>
        wellBehaved(mutate(LINES, ms)),
      ),
      { numRuns: 600, seed: 11 },
    );
  });

  it('through the CLI: `xaudit validate` exits 0, or 2 with an error naming file:line:col, never an internal error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-fuzz-cli-'));
    // Absolute fixture paths, so the spec can live in a temp folder.
    const lines = RICH.replaceAll('../fixtures/', `${resolve('fixtures')}/`).split('\n');
    const file = join(dir, 'spec.yaml');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        await writeFile(file, mutate(lines, ms));
        const r = await runCli(['validate', file]);
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) expect(r.stderr).toMatch(/^xaudit: error\[[A-Z_]+\]: .*spec\.yaml:\d+:\d+: /);
        expect(r.stderr).not.toMatch(/internal error/);
      }),
      { numRuns: 150, seed: 17 },
    );
  });

  it('prefixes of the demo spec (a truncated file): resolves or an XauditError with a location', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(DEMO.length), (n) => wellBehaved(DEMO.slice(0, n))),
      { numRuns: 200, seed: 13 },
    );
  });
});
