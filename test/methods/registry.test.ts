import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { firstViolation } from '../../src/audit/validate-options.js';
import { XauditError } from '../../src/core/errors.js';
import { getMethod, methods } from '../../src/methods/registry.js';
import { camNet, fixedRandom } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, transformOf } from './_fixtures.js';

const files = readdirSync('src/methods').filter(
  (f) => f.endsWith('.ts') && !['registry.ts', 'types.ts'].includes(f),
);
const ajv = new Ajv({ allErrors: true, strict: true });

describe('method registry', () => {
  it('registers one method per file, named by its id', () => {
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(Object.keys(methods).sort());
    for (const f of files) {
      const m = methods[f.replace(/\.ts$/, '')];
      // The file defines exactly the unit registered under its name.
      expect(readFileSync(`src/methods/${f}`, 'utf8')).toContain(`id: '${m.id}'`);
    }
  });

  it('getMethod throws SPEC_REFERENCE with a did-you-mean', () => {
    expect(getMethod('saliency')).toBe(methods.saliency);
    try {
      getMethod('gradcam');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(XauditError);
      expect((e as XauditError).code).toBe('SPEC_REFERENCE');
      expect((e as XauditError).hint).toBe("Did you mean 'grad-cam'?");
    }
  });

  for (const method of Object.values(methods)) {
    describe(method.id, () => {
      const props = Object.keys((method.schema.properties ?? {}) as object);

      it('has a strict-mode-valid schema that closes the options object', () => {
        expect(method.schema.type).toBe('object');
        expect(method.schema.additionalProperties).toBe(false);
        expect(() => ajv.compile(method.schema)).not.toThrow();
      });

      it('has defaults that validate against its schema, for every option', () => {
        expect(ajv.validate(method.schema, method.defaults), JSON.stringify(ajv.errors)).toBe(true);
        expect(Object.keys(method.defaults as object).sort()).toEqual([...props].sort());
      });

      it('rejects a bogus option with a did-you-mean', () => {
        // A method without options (input-x-gradient) has nothing to suggest but still rejects the key.
        const bogus = props.length > 0 ? `${props[0]}x` : 'steps';
        expect(ajv.validate(method.schema, { ...method.defaults, [bogus]: 1 })).toBe(false);
        const v = firstViolation(method.schema, { ...method.defaults, [bogus]: 1 });
        expect(v?.message).toBe(`Unknown option '${bogus}'`);
        if (props.length > 0) expect(v?.hint).toContain(`Did you mean '${props[0]}'`);
      });

      it('documents every option and its metadata', () => {
        expect(Object.keys(method.optionDocs).sort()).toEqual([...props].sort());
        for (const doc of Object.values(method.optionDocs as Record<string, string>))
          expect(doc.length).toBeGreaterThan(30);
        expect(method.title.length).toBeGreaterThan(3);
        expect(method.summary.length).toBeGreaterThan(30);
        expect(method.references.length).toBeGreaterThan(0);
        expect(['gradient', 'propagation', 'cam', 'perturbation', 'sampling']).toContain(method.family);
        expect(typeof method.completeness).toBe('boolean');
      });

      it('runs with its defaults and returns a finite map of the documented shape', async () => {
        const shape: [number, number, number] = [8, 8, 3];
        const model = camNet({
          shape,
          M: [
            [1, -1, 0.5],
            [0.5, 2, -1],
          ],
          d: [0.1, 0.2],
          D: [
            [1, -2],
            [-1, 0.5],
          ],
          e: [0, 0],
        });
        const x = fixedRandom(2 * 192, 3);
        const a = await method.attribute(
          model,
          batchOf(x, 2),
          Int32Array.from([0, 1]),
          method.defaults,
          ctxOf(transformOf(shape), 7),
        );
        expect(a.shape.slice(0, 3)).toEqual([2, 8, 8]);
        expect([1, 3]).toContain(a.shape[3]);
        expect(a.values.length).toBe(a.shape.reduce((p, v) => p * v, 1));
        for (const v of a.values) expect(Number.isFinite(v)).toBe(true);
        expect(a.outputDelta !== undefined).toBe(method.completeness);
        const short = method.attribute(
          model,
          batchOf(x.subarray(1), 2),
          Int32Array.from([0, 1]),
          method.defaults,
          ctxOf(transformOf(shape)),
        );
        await expect(short).rejects.toMatchObject({ code: 'MODEL_INPUT_MISMATCH' });
      });
    });
  }

  it('rejects out-of-range values with readable messages', () => {
    const ig = methods['integrated-gradients'];
    expect(firstViolation(ig.schema, { ...ig.defaults, steps: 1 })?.path).toEqual(['steps']);
    expect(firstViolation(ig.schema, { ...ig.defaults, rule: 'riemann_trapezium' })?.hint).toBe(
      "Did you mean 'riemann_trapezoid'?",
    );
    expect(firstViolation(ig.schema, { ...ig.defaults, baseline: 'blak' })?.hint).toBe(
      "Did you mean 'black'?",
    );
    expect(firstViolation(ig.schema, { ...ig.defaults, baseline: 0.5 })).toBeNull();
    const occ = methods.occlusion;
    expect(firstViolation(occ.schema, { ...occ.defaults, window: [8] })).not.toBeNull();
    expect(firstViolation(occ.schema, { ...occ.defaults, stride: 0 })).not.toBeNull();
    expect(firstViolation(occ.schema, { ...occ.defaults, window: 5, stride: [1, 2] })).toBeNull();
  });
});
