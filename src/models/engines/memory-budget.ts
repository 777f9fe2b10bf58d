/**
 * Bounded engine memory under a byte budget (issue #5). An engine call's working memory grows
 * with its sample count: the activations of a forward pass, the activations kept for a reverse
 * pass and the gradients alive beside them. The estimates here model, per sample and from the IR
 * alone, what TfjsModel.forward and TfjsModel.gradient hold at their peak; an engine splits a call
 * whose samples would exceed its budget into chunks run one after another and concatenates the
 * results. Samples never interact in an inference graph, so a chunked call returns what one call
 * would: bit for bit on tfjs-wasm, tfjs-cpu and onnxruntime (the tests check it); on tfjs-node,
 * whose native kernels block their loops by batch size, to float rounding (~1e-8 relative), as
 * any two batch sizes there already differ.
 *
 * Why a byte budget and not only `model.batch_size`: the working memory of one sample ranges
 * from kilobytes (a 64x64 CNN) to ~100 MiB (a DeepLIFT pass through mobilenet_v2 at 224x224), so
 * no batch size fits every model; tfjs-wasm's heap cannot grow past 4 GiB (see DEFAULT_MEMORY_MB)
 * and aborts the process's wasm module for good when it runs out.
 */

import { XauditError } from '../../core/errors.js';
import { type IrGraph, sizeOf } from '../ir/graph.js';
import type { BackwardRules, ForwardResult, GradientRequest, GradientResult } from '../model.js';

/**
 * The default working-memory budget of one engine call, in MiB (options `memoryMb`). tfjs-wasm
 * 4.22's heap grows to at most 4 GiB (its emscripten glue: getHeapMax() = 4294901760; measured:
 * allocations succeed, with correct data, up to 4096 MiB of heap, then the module aborts). That
 * heap also holds the weights (twice for convolutions: the kernel and its rotated copy) and
 * whatever the allocator cannot reuse, so a quarter of it is left to one call's activations.
 * 1 GiB also keeps the process's RSS within a CI runner's memory (GitHub's hosted runners have
 * 7-16 GiB) with room for the decoded-image cache and onnxruntime beside it.
 */
export const DEFAULT_MEMORY_MB = 1024;

/**
 * Multiplies every modelled byte count. The model counts float32 tensors only; it misses the
 * allocator's fragmentation (dlmalloc in the wasm heap does not always reuse a freed block for a
 * larger tensor), XNNPACK's scratch buffers (indirection buffers, packed inputs) and onnxruntime's
 * arena rounding. Calibrated on resnet18 and mobilenet_v2 at 224x224 (bench/memory.js engines):
 * the wasm heap's growth per sample was 0.59-1.05x the modelled bytes over forward passes, plain,
 * guided, DeepLIFT and LRP (gamma) reverse passes; onnxruntime's RSS growth per sample 0.43-0.88x
 * for its forward and backward graphs. 1.5 leaves a margin over the worst of them.
 */
export const SAFETY_FACTOR = 1.5;

const FLOAT32 = 4;

/**
 * Temporaries of one backward step, in units of the node's input + output size: what a rule
 * allocates before the engine frees it at the end of the step (TfjsModel.gradient runs each
 * step in its own tf.tidy). Counted from tfjs-backward.ts: the plain-gradient family makes at
 * most two tensors of that size per step (relu: step(x) and the product; global average pool:
 * ones and the product); DeepLIFT's rescale about eight (differences, ratio, mask, the fallback
 * gradient, the select); LRP's gamma rule two signed shares of two forwards and two backwards
 * each, with their stabilisers, about sixteen.
 */
const STEP_TEMPORARIES: Record<BackwardRules, number> = {
  gradient: 2,
  'guided-backprop': 2,
  deconvnet: 2,
  deeplift: 8,
  lrp: 16,
};

/** The budget in bytes: `memoryMb` (a positive number of MiB) or DEFAULT_MEMORY_MB. */
export function budgetBytes(memoryMb: number | undefined): number {
  const mb = memoryMb ?? DEFAULT_MEMORY_MB;
  if (!Number.isFinite(mb) || mb <= 0) {
    throw new XauditError('USAGE', `the memory budget must be a positive number of MiB; got ${memoryMb}`);
  }
  return mb * 2 ** 20;
}

/** How many samples one call may take: floor(budget / perSample), at least 1. */
export function samplesPerCall(budget: number, perSample: number): number {
  return Math.max(1, Math.floor(budget / perSample));
}

/**
 * Peak bytes per sample of a forward pass (TfjsModel.forward), safety factor included. Each
 * node's output is allocated beside the live activations, with one temporary of its size (the
 * second handle of a conv fused with its relu, batch norm's product, a padded copy); an
 * activation is freed once its last consumer has run.
 */
export function forwardBytesPerSample(graph: IrGraph): number {
  const size = new Map(graph.nodes.map((n) => [n.name, sizeOf(n.shape) * FLOAT32]));
  const remaining = new Map(graph.nodes.map((n) => [n.name, 0]));
  for (const n of graph.nodes) for (const i of n.inputs) remaining.set(i, remaining.get(i)! + 1);
  let live = 0;
  let peak = 0;
  for (const node of graph.nodes) {
    const out = size.get(node.name)!;
    peak = Math.max(peak, live + 2 * out);
    live += out;
    for (const i of node.inputs) {
      const left = remaining.get(i)! - 1;
      remaining.set(i, left);
      if (left === 0 && i !== graph.output) live -= size.get(i)!;
    }
  }
  return Math.ceil(peak * SAFETY_FACTOR);
}

/**
 * Peak bytes per sample of a reverse pass (TfjsModel.gradient), safety factor included. The
 * forward keeps every activation (twice with DeepLIFT's reference inputs); the reverse pass then
 * walks the nodes backwards, holding the gradients not yet consumed and one step's temporaries
 * (STEP_TEMPORARIES), and frees each activation once its node's step has run.
 */
export function gradientBytesPerSample(
  graph: IrGraph,
  opts: { rules?: BackwardRules; reference?: boolean } = {},
): number {
  const size = new Map(graph.nodes.map((n) => [n.name, sizeOf(n.shape) * FLOAT32]));
  const copies = opts.reference === true ? 2 : 1;
  const temporaries = STEP_TEMPORARIES[opts.rules ?? 'gradient'];
  let acts = 0;
  let peak = 0;
  for (let c = 0; c < copies; c++) {
    for (const node of graph.nodes) {
      const out = size.get(node.name)!;
      peak = Math.max(peak, acts + 2 * out);
      acts += out;
    }
  }
  const grads = new Set([graph.output]);
  let live = size.get(graph.output)!;
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k];
    const out = size.get(node.name)!;
    if (grads.has(node.name) && node.op !== 'input') {
      const inputs = node.inputs.reduce((s, i) => s + size.get(i)!, 0);
      peak = Math.max(peak, acts + live + temporaries * (inputs + out));
      for (const i of node.inputs) {
        if (grads.has(i)) continue;
        grads.add(i);
        live += size.get(i)!;
      }
      grads.delete(node.name);
      live -= out;
    }
    acts -= copies * out;
  }
  return Math.ceil(peak * SAFETY_FACTOR);
}

/** Concatenates per-chunk arrays of rows into one [n, ...] array, allocated on the first chunk. */
class Rows {
  private out: Float32Array | undefined;
  constructor(private readonly n: number) {}

  /** Adds `part`, rows [start, start + rows) of the whole. */
  put(part: Float32Array, start: number, rows: number): void {
    const per = part.length / rows;
    this.out ??= new Float32Array(this.n * per);
    this.out.set(part, start * per);
  }

  get value(): Float32Array {
    return this.out ?? new Float32Array(0);
  }
}

/**
 * Runs a forward pass of `n` samples in calls of at most `chunk` samples and concatenates the
 * logits and captured activations, exactly as one call returns them. One call when n <= chunk.
 */
export async function forwardInChunks(
  x: Float32Array,
  n: number,
  capture: readonly string[],
  chunk: number,
  call: (x: Float32Array, n: number, capture: readonly string[]) => Promise<ForwardResult>,
): Promise<ForwardResult> {
  if (n <= chunk) return call(x, n, capture);
  const per = x.length / n;
  const logits = new Rows(n);
  const captured = new Map(capture.map((c) => [c, new Rows(n)]));
  for (let s = 0; s < n; s += chunk) {
    const rows = Math.min(chunk, n - s);
    const r = await call(x.subarray(s * per, (s + rows) * per), rows, capture);
    logits.put(r.logits, s, rows);
    for (const [name, rowsOf] of captured) rowsOf.put(r.captured.get(name)!, s, rows);
  }
  return {
    logits: logits.value,
    captured: new Map([...captured].map(([name, rowsOf]) => [name, rowsOf.value])),
  };
}

/**
 * Runs a gradient request of `req.n` samples in requests of at most `chunk` samples (x,
 * outputGrad and reference split by rows; the LRP bounds are per sample and shared) and
 * concatenates every per-sample result. One call when n <= chunk.
 */
export async function gradientInChunks(
  req: GradientRequest,
  chunk: number,
  call: (req: GradientRequest) => Promise<GradientResult>,
): Promise<GradientResult> {
  const { n } = req;
  if (n <= chunk) return call(req);
  const per = req.x.length / n;
  const k = req.outputGrad.length / n;
  const logits = new Rows(n);
  const referenceLogits = new Rows(n);
  const inputGrad = new Rows(n);
  const layerActivation = new Rows(n);
  const layerGrad = new Rows(n);
  let layerShape: number[] | undefined;
  let hasReference = false;
  let hasLayer = false;
  for (let s = 0; s < n; s += chunk) {
    const rows = Math.min(chunk, n - s);
    const r = await call({
      ...req,
      x: req.x.subarray(s * per, (s + rows) * per),
      n: rows,
      outputGrad: req.outputGrad.subarray(s * k, (s + rows) * k),
      reference: req.reference?.subarray(s * per, (s + rows) * per),
    });
    logits.put(r.logits, s, rows);
    inputGrad.put(r.inputGrad, s, rows);
    if (r.referenceLogits !== undefined) {
      hasReference = true;
      referenceLogits.put(r.referenceLogits, s, rows);
    }
    if (r.layerActivation !== undefined && r.layerGrad !== undefined) {
      hasLayer = true;
      layerActivation.put(r.layerActivation, s, rows);
      layerGrad.put(r.layerGrad, s, rows);
      layerShape = r.layerShape;
    }
  }
  const out: GradientResult = { logits: logits.value, inputGrad: inputGrad.value };
  if (hasReference) out.referenceLogits = referenceLogits.value;
  if (hasLayer) {
    out.layerActivation = layerActivation.value;
    out.layerGrad = layerGrad.value;
    out.layerShape = layerShape;
  }
  return out;
}
