/**
 * Reference numbers from @tensorflow/tfjs-layers itself on the cpu backend:
 * predict() of the saved model, and tf.grads through the layers' own eager
 * apply() for logits, input gradients and layer gradients. Independent of our
 * importer and engine (it only shares the files).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'models');

/** Every fixtures/models/<name>/model.json, sorted by name. */
export function fixtureModels(): { name: string; file: string }[] {
  return readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, file: join(MODELS_DIR, d.name, 'model.json') }))
    .filter((m) => {
      try {
        readFileSync(m.file);
        return true;
      } catch {
        return false;
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

type Obj = Record<string, unknown>;

interface Artifacts {
  topology: Obj;
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

function readArtifacts(file: string): Artifacts {
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    modelTopology: Obj;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) parts.push(readFileSync(join(dirname(file), p)));
  }
  const all = Buffer.concat(parts);
  return {
    topology: json.modelTopology,
    specs,
    data: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
  };
}

async function load(a: Artifacts, topology: Obj): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology, weightSpecs: a.specs, weightData: a.data }),
  );
}

const FINAL = new Set(['softmax', 'sigmoid']);

/** A copy of the topology with a final softmax/sigmoid removed (fused: made linear; a trailing layer: dropped). */
function withoutFinalActivation(topology: Obj): Obj {
  const top = structuredClone(topology);
  const model = (top.model_config ?? top) as { class_name: string; config: Obj | Obj[] };
  const cfg = model.config;
  const layers = (Array.isArray(cfg) ? cfg : cfg.layers) as {
    class_name: string;
    name?: string;
    config: Obj;
    inbound_nodes?: unknown;
  }[];
  const outName =
    Array.isArray(cfg) || model.class_name === 'Sequential'
      ? undefined
      : ((cfg.output_layers as unknown[][])[0][0] as string);
  const idx =
    outName === undefined
      ? layers.length - 1
      : layers.findIndex((l) => (l.name ?? l.config.name) === outName);
  const last = layers[idx];
  const act = last.class_name === 'Softmax' ? 'softmax' : (last.config.activation as string | undefined);
  if (act === undefined || !FINAL.has(act)) return top;
  if (last.class_name === 'Activation' || last.class_name === 'Softmax') {
    layers.splice(idx, 1);
    if (outName !== undefined && !Array.isArray(cfg)) {
      const inbound = (last.inbound_nodes as unknown[][][])[0][0] as unknown[];
      cfg.output_layers = [[inbound[0], 0, 0]];
    }
  } else {
    last.config.activation = 'linear';
  }
  return top;
}

export interface Reference {
  /** predict() of the model as saved (probabilities where it ends in softmax/sigmoid). */
  predict(x: Float32Array, n: number): Float32Array;
  /** Logits, input gradient of sum(outputGrad * logits) and, if `layer` is given, that layer's output and gradient. */
  grads(x: Float32Array, n: number, outputGrad: Float32Array, layer?: string): RefGrads;
  inputShape: number[];
  dispose(): void;
}

export interface RefGrads {
  logits: Float32Array;
  inputGrad: Float32Array;
  layerActivation?: Float32Array;
  layerGrad?: Float32Array;
}

export async function loadReference(file: string): Promise<Reference> {
  await tf.setBackend('cpu');
  const a = readArtifacts(file);
  const full = await load(a, a.topology);
  const logitsModel = await load(a, withoutFinalActivation(a.topology));
  const inputShape = (full.inputs[0].shape as number[]).slice(1);
  const k = (logitsModel.outputs[0].shape as number[])[1];
  return {
    inputShape,
    predict(x, n) {
      return tf.tidy(
        () =>
          (full.predict(tf.tensor(x, [n, ...inputShape])) as tf.Tensor).dataSync().slice() as Float32Array,
      );
    },
    grads(x, n, outputGrad, layer) {
      const out: RefGrads = { logits: new Float32Array(0), inputGrad: new Float32Array(0) };
      tf.tidy(() => {
        const xt = tf.tensor(x, [n, ...inputShape]);
        const og = tf.tensor2d(outputGrad, [n, k]);
        // A zero perturbation added to the layer's output: d/d(delta) is the layer gradient.
        const act = layer === undefined ? undefined : eager(logitsModel, xt).acts.get(layer);
        if (layer !== undefined && act === undefined) throw new Error(`reference: no layer ${layer}`);
        const f = (xi: tf.Tensor, d?: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(og, eager(logitsModel, xi, layer, d).out));
        out.logits = eager(logitsModel, xt).out.dataSync().slice() as Float32Array;
        if (act === undefined) {
          out.inputGrad = tf
            .grad((xi: tf.Tensor) => f(xi))(xt)
            .dataSync()
            .slice() as Float32Array;
        } else {
          const [gx, gd] = tf.grads(f)([xt, tf.zerosLike(act)]);
          out.inputGrad = gx.dataSync().slice() as Float32Array;
          out.layerActivation = act.dataSync().slice() as Float32Array;
          out.layerGrad = gd.dataSync().slice() as Float32Array;
        }
      });
      return out;
    },
    dispose() {
      full.dispose();
      logitsModel.dispose();
    },
  };
}

/** Runs the model layer by layer with each layer's own apply(), optionally adding `delta` to one layer's output. */
function eager(
  model: tfl.LayersModel,
  x: tf.Tensor,
  inject?: string,
  delta?: tf.Tensor,
): { out: tf.Tensor; acts: Map<string, tf.Tensor> } {
  const acts = new Map<string, tf.Tensor>();
  const inputName = model.inputs[0].sourceLayer.name;
  acts.set(inputName, x);
  let last: tf.Tensor = x;
  const outName = model.outputs[0].sourceLayer.name;
  for (const layer of model.layers) {
    if (acts.has(layer.name)) continue;
    const from = layer.inboundNodes[0].inboundLayers.map((l) => {
      const t = acts.get(l.name);
      if (t === undefined) throw new Error(`reference: ${layer.name} reads ${l.name} before it is computed`);
      return t;
    });
    let y = layer.apply(from.length === 1 ? from[0] : from, { training: false }) as tf.Tensor;
    if (layer.name === inject && delta !== undefined) y = tf.add(y, delta);
    acts.set(layer.name, y);
    last = y;
  }
  return { out: acts.get(outName) ?? last, acts };
}
