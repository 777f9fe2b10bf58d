import { describe, expect, it } from 'vitest';
import { type AttackConfig, attack } from '../../src/checks/_core/attack.js';
import { predictions } from '../../src/checks/_core/stats.js';
import { resolveAttack } from '../../src/checks/adversarial-accuracy.js';
import { Dataset } from '../../src/data/dataset.js';
import type { InputTransform } from '../../src/data/input.js';
import { loadManifest } from '../../src/data/manifest.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { fixedRandom } from '../helpers/analytic-models.js';
import { linearModel } from '../helpers/linear-model.js';
import { curvedNet, inputsOf, transformOf } from '../methods/_fixtures.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
const ctxOf = (input: InputTransform) => ({ input, seed: 5, unitId: 'attack-test' });

/** Per sample: the L-inf and L2 norms of (adv - x) in pixel units, and the worst excursion out of the range. */
function pixelDistances(t: InputTransform, x: Float32Array, adv: Float32Array, n: number) {
  const c = t.shape[2];
  const size = x.length / n;
  return Array.from({ length: n }, (_, i) => {
    let linf = 0;
    let sq = 0;
    let outside = 0;
    for (let q = 0; q < size; q++) {
      const k = q % c;
      const d = (adv[i * size + q] - x[i * size + q]) * t.std[k];
      linf = Math.max(linf, Math.abs(d));
      sq += d * d;
      const pix = adv[i * size + q] * t.std[k] + t.mean[k];
      outside = Math.max(outside, t.range[0] - pix, pix - t.range[1]);
    }
    return { linf, l2: Math.sqrt(sq), outside };
  });
}

describe('PGD and FGSM stay inside the epsilon ball and the range (pixel units)', () => {
  // ImageNet mean/std: a ball measured in normalised units would be 4x too large.
  const t = transformOf([6, 6, 3]);
  const n = 4;
  const x = inputsOf(t, n, 3);
  const labels = Int32Array.from([0, 1, 1, 0]);
  const model = curvedNet(t.shape);

  for (const norm of ['linf', 'l2'] as const) {
    for (const epsilon of norm === 'linf' ? [0.03, 0.6] : [0.5, 6]) {
      it(`${norm}, epsilon ${epsilon}`, async () => {
        for (const method of ['fgsm', 'pgd'] as const) {
          const adv = await attack(
            model,
            { x, n, ids: ids(n), labels },
            resolveAttack({ method, norm, epsilon }),
            ctxOf(t),
          );
          for (const d of pixelDistances(t, x, adv, n)) {
            const size = norm === 'linf' ? d.linf : d.l2;
            expect(size, method).toBeLessThanOrEqual(epsilon * (1 + 1e-5) + 1e-6);
            // The attack uses the ball: all of it for a small epsilon (a ball measured in normalised
            // units would reach ~0.22 epsilon here); clipping to the range shortens a large one.
            expect(size, method).toBeGreaterThan(epsilon * (epsilon < 0.6 ? 0.9 : 0.2));
            expect(d.outside, method).toBeLessThanOrEqual(1e-6);
          }
        }
      });
    }
  }

  it('PGD with one step of size epsilon from the input is FGSM (L-inf: bit for bit; L2: to float32)', async () => {
    for (const norm of ['linf', 'l2'] as const) {
      const epsilon = norm === 'linf' ? 0.05 : 0.8;
      const batch = { x, n, ids: ids(n), labels };
      const fgsm = await attack(model, batch, resolveAttack({ method: 'fgsm', norm, epsilon }), ctxOf(t));
      const one = await attack(
        model,
        batch,
        resolveAttack({ method: 'pgd', norm, epsilon, steps: 1, step_size: epsilon, random_start: false }),
        ctxOf(t),
      );
      if (norm === 'linf') expect(Array.from(one)).toEqual(Array.from(fgsm));
      else for (let p = 0; p < x.length; p++) expect(Math.abs(one[p] - fgsm[p])).toBeLessThan(1e-6);
      expect(Array.from(one)).not.toEqual(Array.from(x));
    }
  });

  it('the random start is seeded per sample: the same for any batch composition, different for another seed', async () => {
    const config = resolveAttack({ method: 'pgd', norm: 'l2', epsilon: 0.5, steps: 2 });
    const all = await attack(model, { x, n, ids: ids(n), labels }, config, ctxOf(t));
    const size = x.length / n;
    const third = await attack(
      model,
      { x: x.slice(2 * size, 3 * size), n: 1, ids: ['s2'], labels: labels.slice(2, 3) },
      config,
      ctxOf(t),
    );
    expect(Array.from(third)).toEqual(Array.from(all.slice(2 * size, 3 * size)));
    const other = await attack(model, { x, n, ids: ids(n), labels }, config, { ...ctxOf(t), seed: 6 });
    expect(Array.from(other)).not.toEqual(Array.from(all));
  });
});

describe('on a linear binary model the minimal flipping epsilon is known in closed form', () => {
  // One sigmoid unit z = w . x_norm + b with x_norm = (x_pix - mean) / std. Within the pixel ball the
  // largest change of z is epsilon * ||w / std||_1 (L-inf) or epsilon * ||w / std||_2 (L2), so the
  // prediction flips iff epsilon > |z| / that norm. A wide range keeps clipping out of the way.
  const shape: [number, number, number] = [4, 4, 3];
  const t: InputTransform = { range: [-50, 50], mean: [0.1, -0.2, 0.3], std: [0.5, 0.25, 2], shape };
  const size = 48;
  const w = fixedRandom(size, 11);
  const n = 6;
  const x = fixedRandom(n * size, 12).map((v) => v * 2);
  const b = 0.3;
  const model: Model = linearModel(shape, [w], [b]);

  const thresholds = async () => {
    const z = (await model.forward(x, n)).logits;
    let l1 = 0;
    let l2 = 0;
    for (let q = 0; q < size; q++) {
      const v = w[q] / t.std[q % 3];
      l1 += Math.abs(v);
      l2 += v * v;
    }
    return {
      labels: predictions(z, n),
      linf: Array.from(z, (v) => Math.abs(v) / l1),
      l2: Array.from(z, (v) => Math.abs(v) / Math.sqrt(l2)),
    };
  };

  const flips = async (config: AttackConfig, labels: Int32Array, epsilon: number, i: number) => {
    const xi = x.slice(i * size, (i + 1) * size);
    const adv = await attack(
      model,
      { x: xi, n: 1, ids: [`s${i}`], labels: labels.slice(i, i + 1) },
      { ...config, epsilon, stepSize: config.stepSize * epsilon },
      ctxOf(t),
    );
    return predictions((await model.forward(adv, 1)).logits, 1)[0] !== labels[i];
  };

  const cases: [string, 'linf' | 'l2', Partial<AttackConfig>, number][] = [
    ['fgsm', 'linf', { method: 'fgsm' }, 1.02],
    ['pgd (random start)', 'linf', { method: 'pgd', randomStart: true }, 1.02],
    ['fgm', 'l2', { method: 'fgsm' }, 1.02],
    ['pgd (from the input)', 'l2', { method: 'pgd', randomStart: false }, 1.02],
    // From a random start 10 steps of 0.25 epsilon reach >= 98% of the optimum (worst case, start at the rim).
    ['pgd (random start)', 'l2', { method: 'pgd', randomStart: true }, 1.05],
  ];
  for (const [name, norm, over, above] of cases) {
    it(`${norm} ${name}: no flip at 0.98x the threshold, a flip at ${above}x`, async () => {
      const th = await thresholds();
      const method = over.method ?? 'fgsm';
      // stepSize is scaled by epsilon in flips(): 1 for fgsm, 2.5 / steps for pgd.
      const base: AttackConfig = {
        method,
        norm,
        epsilon: 1,
        steps: method === 'pgd' ? 10 : 1,
        stepSize: method === 'pgd' ? 0.25 : 1,
        randomStart: false,
        ...over,
      };
      for (let i = 0; i < n; i++) {
        const eps = th[norm][i];
        expect(await flips(base, th.labels, eps * 0.98, i), `sample ${i}`).toBe(false);
        expect(await flips(base, th.labels, eps * above, i), `sample ${i}`).toBe(true);
      }
    });
  }
});

describe('on the wolf/snow fixture CNN', () => {
  it('PGD finds more adversarial examples than FGSM at the same epsilon (L-inf and L2)', async () => {
    const t: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [64, 64, 3] };
    const ds = new Dataset(
      'val',
      await loadManifest('fixtures/wolf-snow/val/manifest.csv', ['husky', 'wolf']),
      t,
    );
    const model = await loadModel('fixtures/models/wolf-snow-clean');
    const samples = ds.samples.slice(0, 24);
    const n = samples.length;
    const { x } = await ds.stack(samples);
    const labels = Int32Array.from(samples, (s) => s.labelIndex);
    const batch = { x, n, ids: samples.map((s) => s.id), labels };
    const clean = predictions((await model.forward(x, n)).logits, n);
    const successes = async (config: AttackConfig) => {
      const after = predictions(
        (await model.forward(await attack(model, batch, config, ctxOf(t)), n)).logits,
        n,
      );
      return after.filter((p, i) => clean[i] === labels[i] && p !== labels[i]).length;
    };
    // Epsilons where FGSM flips some but not all samples (measured: FGSM 5/24 and 7/24).
    for (const [norm, epsilon] of [
      ['linf', 0.04],
      ['l2', 1.6],
    ] as const) {
      const fgsm = await successes(resolveAttack({ method: 'fgsm', norm, epsilon }));
      const pgd = await successes(resolveAttack({ method: 'pgd', norm, epsilon }));
      expect(fgsm, norm).toBeGreaterThan(0);
      expect(fgsm, norm).toBeLessThan(n);
      expect(pgd, norm).toBeGreaterThan(fgsm);
    }
  }, 60_000);
});
