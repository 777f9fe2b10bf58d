import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_DEFAULTS } from '../../src/audit/bootstrap.js';
import { statisticOf } from '../../src/audit/expect.js';
import { parseSpec } from '../../src/audit/load.js';
import { baseSpecSchema, CHECK_COMMON_KEYS, fullSpecSchema } from '../../src/audit/schema.js';
import { accepts, allSpecFields, renderSpecSection } from '../../src/docs/spec-reference.js';

const fields = allSpecFields(baseSpecSchema);
const withDefault = fields.filter((f) => f.schema.default !== undefined);

describe('the spec schema documents itself', () => {
  it('walks every field, maps and list items included', () => {
    const paths = fields.map((f) => f.path);
    for (const p of [
      'model.memory_mb',
      'model.input.size',
      'data.<dataset>.manifest',
      'explanations.<explanation>.method',
      'checks[].id',
      'checks[].where.group',
      'checks[].expect.<statistic>.ci_upper.resamples',
      'baseline.report',
      'report.heatmaps',
    ])
      expect(paths).toContain(p);
  });

  it('has a description on every field (a new field needs one: it is the reference and the editor hover)', () => {
    for (const schema of [baseSpecSchema, fullSpecSchema()]) {
      for (const f of allSpecFields(schema)) {
        expect(typeof f.schema.description === 'string' && f.schema.description.trim() !== '', f.path).toBe(
          true,
        );
      }
    }
  });

  it('says the default in the description wherever the schema has one', () => {
    for (const f of withDefault) expect(f.schema.description, f.path).toMatch(/default/);
  });

  it('lists as common check keys exactly the properties of checks[]', () => {
    const common = fields.filter((f) => /^checks\[\]\.[^.]+$/.test(f.path)).map((f) => f.segments[1]);
    expect([...common].sort()).toEqual([...CHECK_COMMON_KEYS].sort());
  });

  it("gives the defaults the loader fills in (or the evaluator's, for expect)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-spec-ref-'));
    await writeFile(join(dir, 'model.json'), '{}');
    await writeFile(join(dir, 'val.csv'), 'path,label\n');
    const spec = (await parseSpec(
      `version: 1
model: { path: model.json, classes: [a, b] }
data: { val: { manifest: val.csv } }
checks:
  - { id: acc, check: accuracy, expect: { accuracy: { ">=": 0.5 } } }
`,
      join(dir, 'spec.yaml'),
    )) as unknown as Record<string, unknown>;
    const elsewhere: string[] = [];
    for (const f of withDefault) {
      let v: unknown = spec;
      for (const seg of f.segments) {
        if (seg.startsWith('<') || v === undefined || v === null) {
          v = undefined;
          break;
        }
        v = seg.endsWith('[]')
          ? ((v as Record<string, unknown[]>)[seg.slice(0, -2)] ?? [])[0]
          : (v as Record<string, unknown>)[seg];
      }
      if (v === undefined) elsewhere.push(f.path);
      else expect(v, f.path).toEqual(f.schema.default);
    }
    // Defaults applied when the expectations are evaluated, not by the loader.
    expect(elsewhere.sort()).toEqual([
      'checks[].expect.<statistic>.ci_lower.level',
      'checks[].expect.<statistic>.ci_lower.resamples',
      'checks[].expect.<statistic>.ci_upper.level',
      'checks[].expect.<statistic>.ci_upper.resamples',
      'checks[].expect.<statistic>.q',
    ]);
    for (const f of withDefault.filter((g) => /ci_(lower|upper)\./.test(g.path))) {
      const key = f.segments[f.segments.length - 1] as keyof typeof BOOTSTRAP_DEFAULTS;
      expect(f.schema.default, f.path).toBe(BOOTSTRAP_DEFAULTS[key]);
    }
    const q = withDefault.find((f) => f.path.endsWith('.q'));
    const view = { scores: [1, 2, 3], stats: {} };
    expect(statisticOf('quantile', {}, view).label).toBe(`quantile(${q?.schema.default})`);
  });
});

describe('the Spec section', () => {
  it('puts every field in a table row, maps and lists by placeholder', () => {
    const text = renderSpecSection().join('\n');
    expect(text).toContain('| `model.memory_mb` | number > 0, <= 1048576 |  | Working memory of one engine call in MiB');
    expect(text).toContain('| `model.batch_size` | integer >= 1 | `32` |');
    expect(text).toContain('| `model.input.range` | list of 2 numbers | `[0, 1]` |');
    expect(text).toContain('| `checks[].expect.<statistic>.{>=, <=, >, <}` | number |');
    expect(text).toContain('| `data.<dataset>.manifest` | non-empty string | required |');
    for (const f of fields) {
      const last = f.segments[f.segments.length - 1];
      expect(text, f.path).toContain(
        /^[<>]=?$/.test(last) ? f.segments.slice(0, -1).join('.') : `\`${f.path}\``,
      );
    }
  });

  it('describes accepted values from the schema', () => {
    expect(accepts({ enum: ['auto', 'wasm'] })).toBe('`auto`, `wasm`');
    expect(accepts({ const: 1 })).toBe('`1`');
    expect(accepts({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toBe('number > 0, < 1');
    expect(accepts({ type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 3 })).toBe(
      'list of 1 to 3 numbers',
    );
    expect(
      accepts({ anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] }),
    ).toBe('string or list of 1 or more strings');
  });
});
