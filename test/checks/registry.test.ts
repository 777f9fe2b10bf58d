import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstViolation } from '../../src/audit/validate-options.js';
import { checks } from '../../src/checks/registry.js';

const files = readdirSync('src/checks').filter(
  (f) => f.endsWith('.ts') && !['registry.ts', 'types.ts'].includes(f),
);

describe('check registry', () => {
  it('registers one check per file, named by its id', () => {
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(Object.keys(checks).sort());
  });

  for (const check of Object.values(checks)) {
    describe(check.id, () => {
      it('has defaults that validate against its schema', () => {
        expect(firstViolation(check.schema, check.defaults)).toBeNull();
      });

      it('rejects a bogus option with a did-you-mean', () => {
        const keys = Object.keys((check.schema.properties ?? {}) as object);
        const bogus = keys.length > 0 ? `${keys[0]}x` : 'bogus';
        const v = firstViolation(check.schema, { ...check.defaults, [bogus]: 1 });
        expect(v?.message).toBe(`Unknown option '${bogus}'`);
        if (keys.length > 0) expect(v?.hint).toContain(`Did you mean '${keys[0]}'`);
      });

      it('documents every option and says what its score means', () => {
        expect(Object.keys(check.optionDocs).sort()).toEqual(
          Object.keys((check.schema.properties ?? {}) as object).sort(),
        );
        expect(check.score.length).toBeGreaterThan(10);
        expect(check.summary.length).toBeGreaterThan(10);
      });
    });
  }
});
