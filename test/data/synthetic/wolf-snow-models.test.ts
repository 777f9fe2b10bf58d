import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

// The committed wolf/snow fixture models are genuine tfjs Layers models: the official loader reads them and
// reproduces PyTorch's outputs (reference.json holds PyTorch's pre-softmax logits; the model ends in softmax).
const ROOT = resolve(import.meta.dirname, '../../..');

interface Reference {
  inputs: string;
  samples: string[];
  logits: number[][];
}

interface ModelJson {
  format: string;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** `logits: true` loads it with the final Dense's softmax swapped for linear, to compare pre-softmax logits. */
async function load(dir: string, logits: boolean): Promise<tfl.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  if (logits) {
    const layers = (json.modelTopology as { config: { layers: { config: { activation?: string } }[] } })
      .config.layers;
    expect(layers[layers.length - 1].config.activation).toBe('softmax');
    layers[layers.length - 1].config.activation = 'linear';
  }
  const parts = await Promise.all(json.weightsManifest[0].paths.map((p) => readFile(join(dir, p))));
  const all = Buffer.concat(parts);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
      format: json.format,
    }),
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['biased', 'clean'])('fixtures/models/wolf-snow-%s', (variant) => {
  it('loads with tfjs-layers and matches the PyTorch reference within 1e-4', async () => {
    const dir = join(ROOT, 'fixtures', 'models', `wolf-snow-${variant}`);
    const ref = JSON.parse(await readFile(join(dir, 'reference.json'), 'utf8')) as Reference;
    const model = await load(dir, false);
    const linear = await load(dir, true);
    expect(model.inputs[0].shape).toEqual([null, 64, 64, 3]);
    const base = resolve(ROOT, ref.inputs, '..');
    const x = new Float32Array(ref.samples.length * 64 * 64 * 3);
    for (let i = 0; i < ref.samples.length; i++) {
      const raw = await sharp(join(base, ref.samples[i])).raw().toBuffer();
      for (let j = 0; j < raw.length; j++) x[i * raw.length + j] = raw[j] / 255;
    }
    const input = tf.tensor4d(x, [ref.samples.length, 64, 64, 3]);
    const probs = (await (model.predict(input) as tf.Tensor).array()) as number[][];
    const logits = (await (linear.predict(input) as tf.Tensor).array()) as number[][];
    input.dispose();
    ref.logits.forEach((l, i) => {
      // The convention's "agree within 1e-4": per sample max|a - b| <= 1e-4 * max|b|.
      const scale = Math.max(...l.map(Math.abs));
      for (let c = 0; c < l.length; c++)
        expect(Math.abs(logits[i][c] - l[c])).toBeLessThanOrEqual(1e-4 * scale);
      const m = Math.max(...l);
      const e = l.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < e.length; c++) expect(Math.abs(probs[i][c] - e[c] / z)).toBeLessThanOrEqual(1e-4);
    });
    model.dispose();
    linear.dispose();
  });
});
