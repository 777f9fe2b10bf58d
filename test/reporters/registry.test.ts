import { readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { getReporter, reporters } from '../../src/reporters/registry.js';

const files = readdirSync('src/reporters').filter(
  (f) => f.endsWith('.ts') && !['registry.ts', 'types.ts'].includes(f),
);
const ajv = new Ajv({ allErrors: true, strict: true });

describe('reporter registry', () => {
  it('registers one reporter per file, named by its id', () => {
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(Object.keys(reporters).sort());
  });

  it('finds reporters by id and suggests a near miss', () => {
    expect(getReporter('html').id).toBe('html');
    expect(() => getReporter('htlm')).toThrow(/Unknown reporter 'htlm'/);
  });

  for (const r of Object.values(reporters)) {
    describe(r.id, () => {
      it('has defaults that validate against its schema, which rejects unknown options', () => {
        const validate = ajv.compile(r.schema);
        expect(validate(r.defaults), JSON.stringify(validate.errors)).toBe(true);
        expect(validate({ ...r.defaults, bogus: 1 })).toBe(false);
        expect(r.schema.additionalProperties).toBe(false);
      });

      it('documents every option, and itself', () => {
        const props = Object.keys((r.schema.properties ?? {}) as object).sort();
        expect(Object.keys(r.optionDocs).sort()).toEqual(props);
        expect(Object.keys(r.defaults as object).sort()).toEqual(props);
        for (const doc of Object.values<string>(r.optionDocs)) expect(doc.length).toBeGreaterThan(10);
        expect(r.title.length).toBeGreaterThan(2);
        expect(r.summary.length).toBeGreaterThan(10);
      });
    });
  }
});
