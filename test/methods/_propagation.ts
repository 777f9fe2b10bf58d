/** Shared checks of the propagation methods: every fixture model, batching invariance, small IR nets. */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { methods } from '../../src/methods/registry.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import type { IrNode } from '../../src/models/ir/graph.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { GraphBuilder } from '../models/helpers/ir-build.js';
import { batchOf, completenessError, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

/** Every fixtures/models/<name> with a model.json, by name. */
function fixtureModels(): { name: string; file: string }[] {
  const dir = 'fixtures/models';
  return readdirSync(dir)
    .filter((name) => existsSync(`${dir}/${name}/model.json`))
    .sort()
    .map((name) => ({ name, file: `${dir}/${name}/model.json` }));
}

/** Sets a dense/conv node's weights by hand (no bias unless given). */
export function setWeights(node: IrNode, kernel: number[], bias?: number[]): void {
  if (node.op !== 'dense' && node.op !== 'conv2d') throw new Error(`${node.name} has no weights`);
  node.weights = {
    kernel: Float32Array.from(kernel),
    ...(bias === undefined ? {} : { bias: Float32Array.from(bias) }),
  };
}

/** A model from an IR graph built by `build` on the reference engine. */
export async function irModel(build: (b: GraphBuilder) => IrNode): Promise<Model> {
  const b = new GraphBuilder();
  const { graph, info } = b.build(build(b));
  return TfjsModel.create(graph, info, 'wasm');
}

/**
 * x [2] -> h = relu(x W1) [3] -> y = h W2 [1], with W1 = [[1, -1, -1], [2, 1, -1]] (rows: inputs)
 * and W2 = [1, -2, 1]. At x = (1, 2): z = (5, 1, -3), so the relu passes units 1 and 2, and
 * dy/dh = (1, -2, 1). Gradient W1 (1, -2, 0) = (3, 0); guided backprop W1 (1, 0, 0) = (1, 2);
 * deconvnet W1 relu(1, -2, 1) = (0, 1).
 */
export function handNet(): Promise<Model> {
  return irModel((b) => {
    const d1 = b.dense('d1', b.input([2]), 3);
    setWeights(d1, [1, -1, -1, 2, 1, -1]);
    const d2 = b.dense('d2', b.unary('r1', 'relu', d1), 1);
    setWeights(d2, [1, -2, 1]);
    return d2;
  });
}

/**
 * A bias-free piecewise-linear ReLU CNN over every op LRP-0 must handle: conv (stride 1 and 2),
 * relu (fused into the conv in forward passes), relu -> maxpool, add, avgpool, GAP, dense.
 */
export function biasFreeCnn(b: GraphBuilder): IrNode {
  const inp = b.input([8, 8, 3]);
  const c1 = b.unary('r1', 'relu', b.conv('c1', inp, 4, [3, 3], { bias: false }));
  const p1 = b.pool('p1', 'maxpool', c1, [2, 2], [2, 2], 'valid');
  const c2 = b.unary('r2', 'relu', b.conv('c2', p1, 4, [3, 3], { bias: false }));
  const sum = b.add('sum', [p1, c2]);
  const c3 = b.unary('r3', 'relu', b.conv('c3', sum, 6, [3, 3], { strides: [2, 2], bias: false }));
  const a1 = b.pool('a1', 'avgpool', c3, [2, 2], [1, 1], 'valid');
  const out = b.dense('out', b.gap('gap', a1, false), 3);
  (out.weights as { bias?: Float32Array }).bias = undefined;
  return out;
}

/**
 * `id` with `opts` on every fixtures/models/<name>/model.json: a finite map of the input's shape,
 * summing to outputDelta for completeness methods; or, where `unsupported` names an error code
 * for the model, that error (the method declares why it cannot run).
 */
export function runsOnEveryFixture(
  id: string,
  opts: Record<string, unknown> = {},
  unsupported: (model: Model) => ErrorCode | undefined = () => undefined,
): void {
  const method = methods[id];
  describe(`${id} on every fixture model`, () => {
    for (const f of fixtureModels()) {
      it(f.name, async () => {
        const model = await loadModel(f.file);
        try {
          const t = transformOf(model.info.inputShape);
          const n = 2;
          const k = model.info.outputs;
          const targets = Int32Array.from([0, 1].map((i) => (k === 1 ? i : i % k)));
          const run = method.attribute(
            model,
            batchOf(inputsOf(t, n, 5), n),
            targets,
            { ...method.defaults, ...opts },
            ctxOf(t, 16),
          );
          const code = unsupported(model);
          if (code !== undefined) {
            await expect(run).rejects.toMatchObject({ code });
            return;
          }
          const a = await run;
          expect(a.shape.slice(0, 3)).toEqual([n, ...model.info.inputShape.slice(0, 2)]);
          for (const v of a.values) expect(Number.isFinite(v)).toBe(true);
          if (method.completeness) {
            const size = a.values.length / n;
            for (let i = 0; i < n; i++) {
              const err = completenessError(a.values.subarray(i * size, (i + 1) * size), a.outputDelta![i]);
              expect(err, `${f.name} sample ${i}`).toBeLessThan(1e-3);
            }
          }
        } finally {
          model.dispose();
        }
      });
    }
  });
}

/** maxBatch 1 and 1000 give the same map on tiny-cnn (3 samples). */
export function batchingInvariant(id: string, opts: Record<string, unknown> = {}): void {
  it('gives the same map for maxBatch 1 and 1000 (tiny-cnn)', async () => {
    const model = await loadModel('fixtures/models/tiny-cnn');
    try {
      const method = methods[id];
      const t = transformOf(model.info.inputShape);
      const x = inputsOf(t, 3, 21);
      const targets = Int32Array.from([0, 2, 1]);
      const o = { ...method.defaults, ...opts };
      const a = await method.attribute(model, batchOf(x, 3), targets, o, ctxOf(t, 1));
      const b = await method.attribute(model, batchOf(x, 3), targets, o, ctxOf(t, 1000));
      const scale = Math.max(...Array.from(b.values, Math.abs), 1e-12);
      expect(maxAbsDiff(a.values, b.values) / scale).toBeLessThan(1e-5);
      if (b.outputDelta !== undefined) expect(maxAbsDiff(a.outputDelta!, b.outputDelta)).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });
}
