/**
 * The onnxruntime engine: forward passes run the ORIGINAL .onnx file's graph in onnxruntime-node.
 * NHWC enters through a Transpose node inserted before the graph (onnxruntime's transpose is
 * faster than ours in JS; used where re-encoding the file loses nothing, else JS transposes), and
 * a split-off softmax is skipped by fetching its input, added as a graph output. A plain input
 * gradient runs in onnxruntime as a backward graph emitted from the IR (onnx-backward.ts; faster
 * than tfjs-wasm on every model measured, bench/onnx.js and bench/large.js), falling back to tfjs
 * where the emitter cannot write an op. Layer captures and the other reverse passes are delegated to the tfjs engine on the
 * imported IR: the reverse pass needs per-op rule tables (guided backprop, DeepLIFT, LRP) that
 * onnxruntime cannot swap, and a forward that captures also serves the gradient methods, which
 * need the tfjs engine anyway. So: plain forward (accuracy, perturbation and sampling methods,
 * attacks' evaluation) from onnxruntime, the rest from tfjs-wasm (deterministic whatever the batch,
 * unlike tfjs-node, which runs everything when asked for with engine 'tfjs-node').
 */

import { availableParallelism } from 'node:os';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { XauditError } from '../../core/errors.js';
import type { ImportedOnnx } from '../importers/onnx.js';
import { extraOutputs, withNhwcInput } from '../importers/onnx-proto.js';
import type { IrGraph } from '../ir/graph.js';
import type {
  EngineKind,
  ForwardResult,
  GradientRequest,
  GradientResult,
  Model,
  ModelInfo,
} from '../model.js';
import { parametricLayers, randomiseGraph } from '../randomise.js';
import {
  budgetBytes,
  forwardBytesPerSample,
  forwardInChunks,
  gradientBytesPerSample,
  gradientInChunks,
  samplesPerCall,
} from './memory-budget.js';
import {
  BACKWARD_INPUT,
  BACKWARD_INPUT_GRAD,
  BACKWARD_LOGITS,
  BACKWARD_OUTPUT_GRAD,
  BackwardUnsupported,
  emitBackwardModel,
} from './onnx-backward.js';
import { TfjsModel } from './tfjs-model.js';

type Ort = typeof import('onnxruntime-node');

let ortLoad: Promise<Ort | Error> | undefined;

/** onnxruntime-node, or the reason it cannot be used (an optional dependency). */
export function loadOrt(): Promise<Ort | Error> {
  ortLoad ??= import('onnxruntime-node').then(
    (m) => m,
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  return ortLoad;
}

/**
 * onnxruntime's intra-op threads: XAUDIT_THREADS when it is a positive integer, else every core
 * Node may use. Set explicitly so that the report states what ran (onnxruntime's own default
 * counts physical cores, which the report could not know).
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.XAUDIT_THREADS);
  return Number.isInteger(v) && v > 0 ? v : availableParallelism();
}

/** Options of createOnnxModel. */
export interface OnnxModelOptions {
  /** onnxruntime's intra-op threads (default defaultThreads()). */
  threads?: number;
  /**
   * Working-memory budget of one engine call in MiB (default DEFAULT_MEMORY_MB, memory-budget.ts),
   * for onnxruntime's forward and backward graphs and the tfjs engine beside them alike.
   */
  memoryMb?: number;
}

/** Picks the engine for an imported ONNX model: auto = onnxruntime where it loads, else tfjs-wasm. */
export async function createOnnxModel(
  imported: ImportedOnnx,
  kind: EngineKind,
  opts: OnnxModelOptions = {},
): Promise<Model> {
  const tfjsOpts = { memoryMb: opts.memoryMb };
  if (kind === 'wasm' || kind === 'cpu' || kind === 'tfjs-node')
    return TfjsModel.create(imported.graph, imported.info, kind, tfjsOpts);
  const ort = await loadOrt();
  if (ort instanceof Error) {
    if (kind === 'auto') return TfjsModel.create(imported.graph, imported.info, 'auto', tfjsOpts);
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `engine 'onnxruntime' needs the optional package onnxruntime-node, which could not be loaded (${ort.message}); install it (npm install onnxruntime-node) or use engine auto, wasm or cpu`,
      { cause: ort },
    );
  }
  return OnnxRuntimeModel.open(ort, imported, opts.threads ?? defaultThreads(), opts.memoryMb);
}

export class OnnxRuntimeModel implements Model {
  readonly engine: string;
  private tfjs: Promise<TfjsModel> | undefined;
  private disposed = false;

  private constructor(
    readonly info: ModelInfo,
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly graph: IrGraph,
    private readonly inputName: string,
    private readonly logitsName: string,
    /** A fixed batch size of the file's input: batches are run in chunks of it. */
    private readonly fixedBatch: number | null,
    /** The session takes NHWC input (a Transpose was inserted). */
    private readonly nhwcInput: boolean,
    /** onnxruntime's intra-op thread count (the tfjs-wasm side runs on one thread). */
    readonly threads: number,
    /** The memoryMb option as given (undefined: the default), passed on to the tfjs engines. */
    private readonly memoryMb: number | undefined,
  ) {
    this.engine = `onnxruntime-node@${ort.env.versions.node ?? 'unknown'}+tfjs-wasm@${version_wasm}`;
    const budget = budgetBytes(memoryMb);
    // onnxruntime frees an intermediate once its last reader has run and keeps the backward
    // graph's saved activations, as the tfjs engine does: the same per-sample model serves.
    this.forwardChunk = samplesPerCall(budget, forwardBytesPerSample(graph));
    this.gradientChunk = samplesPerCall(budget, gradientBytesPerSample(graph));
  }

  /** Samples per onnxruntime call under the memory budget (memory-budget.ts). */
  private readonly forwardChunk: number;
  private readonly gradientChunk: number;

  static async open(
    ort: Ort,
    m: ImportedOnnx,
    threads: number = defaultThreads(),
    memoryMb?: number,
  ): Promise<OnnxRuntimeModel> {
    budgetBytes(memoryMb);
    // Preferred: the file with an NHWC input (onnxruntime transposes). Else the file as it is, the
    // logits added by appending a graph output (protobuf merges it; nothing else is touched).
    const nhwc =
      m.graph.nodes[0].shape.length === 3 ? withNhwcInput(m.bytes, m.onnxInput, m.onnxLogits) : undefined;
    const bytes =
      nhwc ?? (m.onnxLogits === m.onnxOutput ? m.bytes : concat(m.bytes, extraOutputs([m.onnxLogits])));
    let session: InferenceSession;
    try {
      // One graph runs at a time (sequential execution): inter-op threads would only idle.
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    } catch (e) {
      throw new XauditError('MODEL_FORMAT', `onnxruntime could not load the model: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const input = nhwc === undefined ? m.onnxInput : `${m.onnxInput}__xaudit_nhwc`;
    return new OnnxRuntimeModel(
      m.info,
      ort,
      session,
      m.graph,
      input,
      m.onnxLogits,
      m.onnxBatch,
      nhwc !== undefined,
      threads,
      memoryMb,
    );
  }

  async forward(x: Float32Array, n: number, capture: readonly string[] = []): Promise<ForwardResult> {
    if (capture.length > 0) return (await this.reference()).forward(x, n, capture);
    this.check(x, n);
    if (this.fixedBatch === null) {
      return forwardInChunks(x, n, [], this.forwardChunk, async (xc, nc) => ({
        logits: await this.run(xc, nc),
        captured: new Map(),
      }));
    }
    // A fixed batch wins over the memory budget: the file accepts no other size.
    const step = this.fixedBatch;
    const per = x.length / n;
    const k = this.info.outputs;
    if (step === n) return { logits: await this.run(x, n), captured: new Map() };
    // A file exported with a fixed batch runs in chunks of it; a ragged last chunk is padded
    // with zero rows, whose logits are dropped (rows of a batch do not interact in inference).
    const logits = new Float32Array(n * k);
    for (let s = 0; s < n; s += step) {
      const rows = Math.min(step, n - s);
      const chunk = x.subarray(s * per, (s + rows) * per);
      let padded = chunk;
      if (rows < step) {
        padded = new Float32Array(step * per);
        padded.set(chunk);
      }
      const out = await this.run(padded, step);
      logits.set(rows < step ? out.subarray(0, rows * k) : out, s * k);
    }
    return { logits, captured: new Map() };
  }

  private async run(x: Float32Array, n: number): Promise<Float32Array> {
    const [h, w, c] = this.info.inputShape;
    const spatial = this.graph.nodes[0].shape.length === 3;
    const dims = !spatial ? [n, h * w * c] : this.nhwcInput ? [n, h, w, c] : [n, c, h, w];
    // The caller's array is read, not kept, by run(): no copy unless it is a view into a larger one.
    const whole = x.byteOffset === 0 && x.byteLength === x.buffer.byteLength;
    const data = spatial && !this.nhwcInput ? toNchw(x, n, h, w, c) : whole ? x : x.slice();
    const feed = new this.ort.Tensor('float32', data, dims);
    const out = await this.session.run({ [this.inputName]: feed }, [this.logitsName]);
    const t = out[this.logitsName] as Tensor;
    const logits = new Float32Array(t.data as Float32Array);
    t.dispose();
    return logits;
  }

  async gradient(req: GradientRequest): Promise<GradientResult> {
    // A plain input gradient runs as an emitted ONNX backward graph (onnx-backward.ts) where the
    // emitter writes every op of the model; other rules, layer captures and the rest on tfjs.
    const plain =
      (req.rules === undefined || req.rules === 'gradient') &&
      req.layer === undefined &&
      req.inputGrad !== false &&
      req.reference === undefined &&
      req.lrp === undefined;
    if (plain) {
      const session = await this.backwardSession();
      if (session !== undefined) {
        this.check(req.x, req.n);
        this.checkOutputGrad(req);
        return gradientInChunks(req, this.gradientChunk, (r) => this.runBackward(session, r));
      }
    }
    return (await this.reference()).gradient(req);
  }

  /** Why the onnxruntime backward graph is not used (an op the emitter cannot write); undefined if it is. */
  backwardFallback: string | undefined;
  private backward: Promise<InferenceSession | undefined> | undefined;

  /** The backward session, created on first use; undefined where the emitter cannot write the graph. */
  private backwardSession(): Promise<InferenceSession | undefined> {
    if (this.disposed) throw new XauditError('INTERNAL', 'the model has been disposed');
    this.backward ??= (async () => {
      let bytes: Uint8Array;
      try {
        bytes = emitBackwardModel(this.graph, { threads: this.threads });
      } catch (e) {
        if (!(e instanceof BackwardUnsupported)) throw e;
        this.backwardFallback = e.message;
        return undefined;
      }
      return this.ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    })();
    return this.backward;
  }

  /** One backward-graph call, of a request gradient() has checked whole. */
  private async runBackward(session: InferenceSession, req: GradientRequest): Promise<GradientResult> {
    const { x, n } = req;
    const k = this.info.outputs;
    const shape = this.graph.nodes[0].shape;
    // Views into larger buffers are copied (onnxruntime reads the whole buffer), whole arrays are not.
    const whole = (a: Float32Array) =>
      a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
    const feeds = {
      [BACKWARD_INPUT]: new this.ort.Tensor('float32', whole(x), [n, ...shape]),
      [BACKWARD_OUTPUT_GRAD]: new this.ort.Tensor('float32', whole(req.outputGrad), [n, k]),
    };
    const out = await session.run(feeds, [BACKWARD_LOGITS, BACKWARD_INPUT_GRAD]);
    const logits = out[BACKWARD_LOGITS] as Tensor;
    const grad = out[BACKWARD_INPUT_GRAD] as Tensor;
    const result = {
      logits: new Float32Array(logits.data as Float32Array),
      inputGrad: new Float32Array(grad.data as Float32Array),
    };
    logits.dispose();
    grad.dispose();
    return result;
  }

  get parametricLayers(): string[] {
    return parametricLayers(this.graph, this.info).map((l) => l.name);
  }

  /**
   * The randomised copy runs on the tfjs engine over the randomised IR: onnxruntime runs the
   * original file, whose weights we do not write back. Same semantics, slower forward passes.
   */
  async randomised(layers: readonly string[], seed: number): Promise<Model> {
    const graph = randomiseGraph(this.graph, this.info, layers, seed);
    return TfjsModel.create(graph, this.info, 'wasm', { memoryMb: this.memoryMb });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.session.release();
    void this.backward?.then((b) => b?.release());
    void this.tfjs?.then((m) => m.dispose());
  }

  /** The tfjs engine on the same IR, started on first use. */
  private reference(): Promise<TfjsModel> {
    if (this.disposed) throw new XauditError('INTERNAL', 'the model has been disposed');
    this.tfjs ??= TfjsModel.create(this.graph, this.info, 'wasm', { memoryMb: this.memoryMb });
    return this.tfjs;
  }

  private checkOutputGrad(req: GradientRequest): void {
    const k = this.info.outputs;
    if (req.outputGrad.length !== req.n * k) {
      throw new XauditError(
        'INTERNAL',
        `outputGrad has ${req.outputGrad.length} values, expected ${req.n} x ${k}`,
      );
    }
  }

  private check(x: Float32Array, n: number): void {
    if (this.disposed) throw new XauditError('INTERNAL', 'the model has been disposed');
    const per = this.info.inputShape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(n) || n < 1 || x.length !== n * per) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `the model expects inputs of ${this.info.inputShape.join('x')} (${per} values each); got ${x.length} values for ${n} samples`,
      );
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** [n, h, w, c] -> [n, c, h, w]; channel-outer so that the writes are sequential (~15% faster). */
export function toNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  const hw = h * w;
  for (let s = 0; s < n; s++) {
    const base = s * hw * c;
    for (let k = 0; k < c; k++) {
      const o = base + k * hw;
      for (let p = 0, i = base + k; p < hw; p++, i += c) out[o + p] = x[i];
    }
  }
  return out;
}
