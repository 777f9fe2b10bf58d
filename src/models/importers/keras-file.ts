/**
 * Imports Keras model files into the IR through the same layer converters as tfjs Layers models:
 * - Keras 3 `.keras`: a zip holding config.json (the model config) and model.weights.h5, where a
 *   layer's variables are `layers/<path>/vars/0, 1, ...` in the layer's own creation order and
 *   <path> is the snake_case class name with a per-class counter (`conv2d_1`); newer Keras 3
 *   releases also record the layer name as the `name` attribute of the vars group, used when present.
 * - legacy HDF5 `.h5` / `.hdf5` (Keras 2, tf.keras, and Keras 3 `model.save('x.h5')`): the
 *   `model_config` root attribute and `model_weights/<layer>/` whose `weight_names` attribute lists
 *   the layer's datasets in order.
 * Keras loads variables by position, and so do we: kerasVariables() gives each supported layer
 * class's variables in order, under the names the layer converters look up (`<layer>/kernel`...).
 */

import { unzipSync } from 'fflate';
import { XauditError } from '../../core/errors.js';
import { asObject, formatError, isObject } from './json-fields.js';
import { type H5Array, Hdf5File, isHdf5 } from './keras-hdf5.js';
import { type KerasLayer, parseTopology } from './keras-topology.js';
import { readModelFile } from './model-files.js';
import { buildLayersModel, type ImportedModel } from './tfjs-layers.js';
import type { NamedWeight } from './tfjs-weights.js';

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

export async function importKeras(file: string): Promise<ImportedModel> {
  const bytes = await readModelFile(file);
  if (ZIP_SIGNATURE.every((b, i) => bytes[i] === b)) return importKerasArchive(bytes, file);
  if (isHdf5(bytes)) return importLegacyHdf5(bytes, file);
  throw formatError(
    file,
    'neither a Keras 3 archive (a zip file) nor a Keras HDF5 file (no zip or HDF5 signature; truncated or not a model?)',
  );
}

/** The variables of each layer class that has any, in Keras' creation order. */
export function kerasVariables(layer: KerasLayer): string[] | undefined {
  const c = layer.config;
  switch (layer.className) {
    case 'Conv2D':
    case 'Convolution2D':
    case 'Dense':
      return c.use_bias === false ? ['kernel'] : ['kernel', 'bias'];
    case 'BatchNormalization':
      return [
        ...(c.scale === false ? [] : ['gamma']),
        ...(c.center === false ? [] : ['beta']),
        'moving_mean',
        'moving_variance',
      ];
    default:
      // Weightless, or a class the layer converter refuses with the list of supported layers.
      return undefined;
  }
}

function importKerasArchive(bytes: Uint8Array, file: string): ImportedModel {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name === 'config.json' || f.name === 'model.weights.h5' });
  } catch (e) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${file}: not a readable .keras archive (${(e as Error).message}; truncated or corrupt zip?)`,
      { location: { file }, cause: e },
    );
  }
  const config = entries['config.json'];
  const weightsFile = entries['model.weights.h5'];
  if (config === undefined || weightsFile === undefined) {
    const missing = config === undefined ? 'config.json' : 'model.weights.h5';
    throw formatError(file, `the .keras archive has no ${missing}; not a Keras 3 model file`);
  }
  const json = parseJson(new TextDecoder().decode(config), file, 'config.json');
  const topology = parseTopology(json, file);
  const h5 = Hdf5File.open(weightsFile, `${file} (model.weights.h5)`);
  const isSequential = asObject(json, file, 'config.json').class_name === 'Sequential';
  // Sequential.layers excludes the InputLayer, Functional.layers includes it.
  const container = topology.layers.filter((l) => !(isSequential && l.className === 'InputLayer'));
  const paths = v3LayerPaths(h5, container);
  const weights = new Map<string, NamedWeight>();
  for (const layer of container) {
    const params = kerasVariables(layer);
    if (params === undefined) continue;
    const path = paths.get(layer.name);
    if (path === undefined || !h5.hasGroup(`${path}/vars`)) {
      throw formatError(
        h5.file,
        `no variables for layer '${layer.name}' (${layer.className}); expected a group ${path ?? 'layers/<snake_case class name>'}/vars`,
      );
    }
    const vars = h5
      .keys(`${path}/vars`)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b));
    addLayerWeights(
      weights,
      layer,
      params,
      vars.map((k) => `${path}/vars/${k}`),
      h5,
    );
  }
  return buildLayersModel(topology, weights, file, 'keras');
}

/**
 * Layer name -> its group in model.weights.h5. The `name` attribute of `<group>/vars` where every
 * group has one; otherwise Keras' own naming, replayed over the container's layers in order.
 */
function v3LayerPaths(h5: Hdf5File, container: KerasLayer[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!h5.hasGroup('layers')) return out;
  const groups = h5.keys('layers').map((k) => `layers/${k}`);
  const named = groups.map((g) => (h5.hasGroup(`${g}/vars`) ? h5.attr(`${g}/vars`, 'name') : undefined));
  if (named.every((n) => typeof n === 'string')) {
    for (const [i, g] of groups.entries()) out.set(named[i] as string, g);
    return out;
  }
  for (const [name, path] of kerasV3Paths(container)) out.set(name, `layers/${path}`);
  return out;
}

/** Keras 3's saving_lib naming of a container's children: snake_case class name, then `_1`, `_2`... */
export function kerasV3Paths(container: KerasLayer[]): Map<string, string> {
  const used = new Map<string, number>();
  const out = new Map<string, string>();
  for (const l of container) {
    const base = snakeCase(l.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    out.set(l.name, n === undefined ? base : `${base}_${n + 1}`);
  }
  return out;
}

/** keras.src.utils.naming.to_snake_case. */
function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function importLegacyHdf5(bytes: Uint8Array, file: string): ImportedModel {
  const h5 = Hdf5File.open(bytes, file);
  const raw = h5.attr('/', 'model_config');
  if (raw === undefined) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${file}: the HDF5 file has no model_config attribute; it holds weights only (model.save_weights) or is not a Keras model`,
      {
        location: { file },
        hint: 'Save the whole model with model.save("model.keras") or model.save("model.h5").',
      },
    );
  }
  if (typeof raw !== 'string') throw formatError(file, 'the model_config attribute is not a string');
  const topology = parseTopology(parseJson(raw, file, 'model_config'), file);
  // Keras 2 whole-model files nest the weights under model_weights; files from save_weights do not.
  const root = h5.hasGroup('model_weights') ? 'model_weights' : '/';
  const weights = new Map<string, NamedWeight>();
  for (const layer of topology.layers) {
    const params = kerasVariables(layer);
    if (params === undefined) continue;
    const group = root === '/' ? layer.name : `${root}/${layer.name}`;
    if (!h5.hasGroup(group))
      throw formatError(file, `no weights for layer '${layer.name}' (no group ${group})`);
    const names = stringListAttr(h5, group, 'weight_names');
    addLayerWeights(
      weights,
      layer,
      params,
      names.map((n) => `${group}/${n}`),
      h5,
    );
  }
  return buildLayersModel(topology, weights, file, 'keras');
}

/**
 * A list-of-strings attribute; Keras 2 splits one that would pass HDF5's 64 KiB header limit into
 * `<name>0`, `<name>1`, ... (keras.saving.legacy.hdf5_format.save_attributes_to_hdf5_group).
 */
function stringListAttr(h5: Hdf5File, group: string, name: string): string[] {
  const whole = h5.attr(group, name);
  const chunks: unknown[] = [];
  if (whole !== undefined) chunks.push(whole);
  else
    for (let i = 0; h5.attr(group, `${name}${i}`) !== undefined; i++)
      chunks.push(h5.attr(group, `${name}${i}`));
  if (chunks.length === 0) throw formatError(h5.file, `group ${group} has no ${name} attribute`);
  const out: string[] = [];
  for (const c of chunks) {
    if (!Array.isArray(c) || c.some((n) => typeof n !== 'string')) {
      throw formatError(h5.file, `the ${name} attribute of ${group} is not a list of strings`);
    }
    out.push(...(c as string[]));
  }
  return out;
}

function addLayerWeights(
  weights: Map<string, NamedWeight>,
  layer: KerasLayer,
  params: string[],
  datasets: string[],
  h5: Hdf5File,
): void {
  if (datasets.length !== params.length) {
    throw formatError(
      h5.file,
      `layer '${layer.name}' (${layer.className}) has ${datasets.length} weight arrays; its config needs ${params.length} (${params.join(', ')})`,
    );
  }
  for (const [i, param] of params.entries()) {
    const a: H5Array = h5.float32(datasets[i]);
    const key = `${layer.name}/${param}`;
    weights.set(key, { key, name: datasets[i], shape: a.shape, data: a.data });
  }
}

function parseJson(text: string, file: string, what: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    if (!isObject(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new XauditError('MODEL_FORMAT', `${file}: ${what} is not valid JSON: ${(e as Error).message}`, {
      location: { file },
      cause: e,
    });
  }
}
