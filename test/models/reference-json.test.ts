/**
 * Fixture models trained in PyTorch ship reference.json (fixtures/train/train_wolf_snow.py):
 * { inputs: <manifest path from the repo root>, samples: [image paths relative to it],
 *   logits: [[...], ...] }, images decoded as RGB / 255. Our logits must match PyTorch's.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.js';
import type { EngineKind } from '../../src/models/model.js';
import { expectClose } from './helpers/close.js';
import { fixtureModels, MODELS_DIR } from './helpers/reference.js';

const ROOT = join(MODELS_DIR, '..', '..');

interface ReferenceJson {
  inputs: string;
  samples: string[];
  logits: number[][];
}

async function decode(file: string, [h, w, c]: [number, number, number]): Promise<Float32Array> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.height, info.width, info.channels]).toEqual([h, w, c]);
  return Float32Array.from(data, (v) => v / 255);
}

const withRef = fixtureModels().filter((m) => existsSync(join(dirname(m.file), 'reference.json')));

describe.runIf(withRef.length > 0)('PyTorch reference logits', () => {
  for (const m of withRef) {
    for (const engine of ['wasm', 'cpu'] as EngineKind[]) {
      it(`${m.name} (${engine})`, async () => {
        const ref = JSON.parse(
          readFileSync(join(dirname(m.file), 'reference.json'), 'utf8'),
        ) as ReferenceJson;
        const model = await loadModel(m.file, { engine });
        try {
          const shape = model.info.inputShape;
          const size = shape[0] * shape[1] * shape[2];
          const n = ref.samples.length;
          const x = new Float32Array(n * size);
          const base = dirname(join(ROOT, ref.inputs));
          for (const [i, s] of ref.samples.entries()) x.set(await decode(join(base, s), shape), i * size);
          const { logits } = await model.forward(x, n);
          expectClose(logits, Float32Array.from(ref.logits.flat()), n, 'logits vs PyTorch');
        } finally {
          model.dispose();
        }
      });
    }
  }
});
