/**
 * The tfjs engine: forward through tf ops, reverse pass through our own rule tables. A call whose
 * samples would need more working memory than the model's budget runs in chunks, with the same
 * results (memory-budget.ts models what forward() and gradient() hold at their peak).
 */

import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { XauditError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { consumers, type IrGraph, type IrNode, type PoolNode, sizeOf } from '../ir/graph.js';
import type {
  BackwardRules,
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
import { activate, chooseBackend, type TfBackend } from './tfjs-backend.js';
import { backward, type RuleSet, ruleSet } from './tfjs-backward.js';
import { forwardNode } from './tfjs-forward.js';
import { createParams, disposeParams, type NodeParams } from './tfjs-params.js';

/** Options of TfjsModel.create. */
export interface TfjsModelOptions {
  /**
   * Working-memory budget of one engine call in MiB (default DEFAULT_MEMORY_MB, memory-budget.ts):
   * calls whose samples would need more are run in chunks, with the same results.
   */
  memoryMb?: number;
}

export class TfjsModel implements Model {
  private readonly consumers: Map<string, string[]>;
  /** Samples per call under the budget: forward, and gradient per rule set and reference. */
  private readonly chunks = new Map<string, number>();
  /** conv2d/dense node -> the relu node it is fused with in forward passes. */
  private readonly fusedRelu = new Map<string, string>();
  /** maxpool node -> the relu that feeds only it (fused in the reverse pass). */
  private readonly reluBeforePool = new Map<string, IrNode>();
  private disposed = false;

  private constructor(
    readonly info: ModelInfo,
    readonly engine: string,
    private readonly graph: IrGraph,
    private readonly backend: TfBackend,
    private readonly params: Map<string, NodeParams>,
    /** Working-memory budget of one engine call, bytes (memory-budget.ts). */
    private readonly budget: number,
    /** Set when the requested backend could not start and cpu is used instead. */
    readonly fallback?: string,
  ) {
    this.consumers = consumers(graph);
    for (const node of graph.nodes) {
      const next = this.consumers.get(node.name)!;
      const only = next.length === 1 ? graph.nodes.find((nd) => nd.name === next[0]) : undefined;
      if (
        (node.op === 'conv2d' || node.op === 'dense') &&
        only?.op === 'relu' &&
        node.name !== graph.output
      ) {
        this.fusedRelu.set(node.name, only.name);
      }
      if (node.op === 'relu' && only?.op === 'maxpool') this.reluBeforePool.set(only.name, node);
    }
  }

  static async create(
    graph: IrGraph,
    info: ModelInfo,
    kind: EngineKind,
    opts: TfjsModelOptions = {},
  ): Promise<TfjsModel> {
    const budget = budgetBytes(opts.memoryMb);
    const choice = await chooseBackend(kind);
    const params = createParams(graph);
    return new TfjsModel(info, choice.engine, graph, choice.backend, params, budget, choice.fallback);
  }

  /**
   * Threads, for provenance: TensorFlow's own pools (tfjs-node) take every core by default;
   * wasm and cpu run on one (absent).
   */
  get threads(): number | undefined {
    return this.backend === 'tensorflow' ? availableParallelism() : undefined;
  }

  /** The working-memory budget of one call, MiB (TfjsModelOptions.memoryMb). */
  get memoryMb(): number {
    return this.budget / 2 ** 20;
  }

  /**
   * Samples one call runs at once under the budget: a forward pass, or a reverse pass under
   * `rules` (with DeepLIFT's reference inputs when `reference`). Larger calls are split.
   */
  samplesPerCall(kind: 'forward' | 'gradient', rules: BackwardRules = 'gradient', reference = false): number {
    const key = kind === 'forward' ? kind : `${rules}${reference ? '+reference' : ''}`;
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      const per =
        kind === 'forward'
          ? forwardBytesPerSample(this.graph)
          : gradientBytesPerSample(this.graph, { rules, reference });
      chunk = samplesPerCall(this.budget, per);
      this.chunks.set(key, chunk);
    }
    return chunk;
  }

  async forward(x: Float32Array, n: number, capture: readonly string[] = []): Promise<ForwardResult> {
    await this.ready();
    this.checkInput(x, n);
    for (const c of capture) this.resolve(c);
    return forwardInChunks(x, n, capture, this.samplesPerCall('forward'), (xc, nc, cc) =>
      this.forwardCall(xc, nc, cc),
    );
  }

  /** One forward call, whatever its size. */
  private async forwardCall(x: Float32Array, n: number, capture: readonly string[]): Promise<ForwardResult> {
    await this.ready();
    const wanted = new Set(capture.map((c) => this.resolve(c).name));
    const captured = new Map<string, Float32Array>();
    const logits = tf.tidy(() => {
      // Free each activation once its last consumer has run: bounded memory on big batches.
      const remaining = new Map([...this.consumers].map(([k, v]) => [k, v.length]));
      const acts = new Map<string, tf.Tensor>();
      for (const node of this.graph.nodes) {
        this.run(node, x, n, acts, wanted);
        if (wanted.has(node.name)) captured.set(node.name, copy(acts.get(node.name)!));
        for (const i of node.inputs) {
          const left = remaining.get(i)! - 1;
          remaining.set(i, left);
          if (left === 0 && i !== this.graph.output) acts.get(i)!.dispose();
        }
      }
      return copy(acts.get(this.graph.output)!);
    });
    // Report captures under the names the caller used.
    const named = new Map<string, Float32Array>();
    for (const c of capture) named.set(c, captured.get(this.resolve(c).name)!);
    return { logits, captured: named };
  }

  async gradient(req: GradientRequest): Promise<GradientResult> {
    await this.ready();
    const rules = this.checkRequest(req);
    const chunk = this.samplesPerCall('gradient', req.rules, req.reference !== undefined);
    return gradientInChunks(req, chunk, (r) => this.gradientCall(r, rules));
  }

  /** The request's sizes and options, checked before it is split into chunks. */
  private checkRequest(req: GradientRequest): RuleSet {
    const { x, n } = req;
    this.checkInput(x, n);
    if (req.outputGrad.length !== n * this.info.outputs) {
      throw new XauditError(
        'INTERNAL',
        `outputGrad has ${req.outputGrad.length} values, expected ${n} x ${this.info.outputs}`,
      );
    }
    if (req.layer !== undefined) this.resolve(req.layer);
    if (req.inputGrad === false && req.layer === undefined) {
      throw new XauditError('INTERNAL', 'gradient: inputGrad false needs a layer to stop at');
    }
    if (req.reference !== undefined && req.reference.length !== x.length) {
      throw new XauditError(
        'INTERNAL',
        `reference has ${req.reference.length} values, expected ${x.length} like x`,
      );
    }
    return ruleSet(req, this.graph);
  }

  /** One reverse pass, whatever its size, of a request checkRequest has passed (its rule set). */
  private async gradientCall(req: GradientRequest, rules: RuleSet): Promise<GradientResult> {
    await this.ready();
    const { x, n } = req;
    const layer = req.layer === undefined ? undefined : this.resolve(req.layer);
    const wantInput = req.inputGrad !== false;
    const ref = req.reference;
    const out: GradientResult = { logits: new Float32Array(0), inputGrad: new Float32Array(0) };
    tf.tidy(() => {
      const acts = new Map<string, tf.Tensor>();
      const keep = new Set(layer === undefined ? [] : [layer.name]);
      // Naming the conv/dense nodes as wanted keeps their pre-relu outputs (no forward fusion).
      if (rules.preActivations) for (const name of this.fusedRelu.keys()) keep.add(name);
      for (const node of this.graph.nodes) this.run(node, x, n, acts, keep);
      out.logits = copy(acts.get(this.graph.output)!);
      const refActs = new Map<string, tf.Tensor>();
      if (ref !== undefined) {
        for (const node of this.graph.nodes) this.run(node, ref, n, refActs, keep);
        out.referenceLogits = copy(refActs.get(this.graph.output)!);
      }
      const grads = new Map<string, tf.Tensor>([
        [this.graph.output, tf.tensor2d(req.outputGrad, [n, this.info.outputs])],
      ]);
      // Reverse topological order: a node's gradient is complete once all its consumers have run.
      for (let i = this.graph.nodes.length - 1; i >= 0; i--) {
        const node = this.graph.nodes[i];
        if (layer !== undefined && node.name === layer.name) {
          const g = grads.get(node.name) ?? tf.zerosLike(acts.get(node.name)!);
          out.layerActivation = copy(acts.get(node.name)!);
          out.layerGrad = copy(g);
          out.layerShape = [...node.shape];
          if (!wantInput) break;
        }
        const dy = grads.get(node.name);
        if (dy !== undefined && node.op !== 'input') {
          this.backwardStep(node, acts, ref === undefined ? undefined : refActs, dy, grads, rules, layer);
          // Free each gradient once used.
          grads.delete(node.name);
          dy.dispose();
        }
        // Every consumer of this node comes later in topological order and has had its step:
        // nothing reads this activation any more (memory-budget.ts counts on it).
        acts.get(node.name)?.dispose();
        refActs.get(node.name)?.dispose();
      }
      if (wantInput) {
        const g = grads.get(this.graph.input);
        out.inputGrad = g === undefined ? new Float32Array(x.length) : copy(g);
      }
    });
    return out;
  }

  /**
   * The reverse step of `node`: adds its inputs' gradients (from `dy`) into `grads`. Runs in its
   * own tf.tidy so that the rule's temporaries are freed at once, not at the end of the pass.
   */
  private backwardStep(
    node: IrNode,
    acts: Map<string, tf.Tensor>,
    refActs: Map<string, tf.Tensor> | undefined,
    dy: tf.Tensor,
    grads: Map<string, tf.Tensor>,
    rules: RuleSet,
    layer: IrNode | undefined,
  ): void {
    const xs = node.inputs.map((name) => acts.get(name)!);
    const y = acts.get(node.name)!;
    const relu = node.op === 'maxpool' ? this.reluBeforePool.get(node.name) : undefined;
    const fusedRule = rules.fused.reluMaxpool;
    if (relu !== undefined && fusedRule !== undefined && relu.name !== layer?.name) {
      // The relu gets no gradient of its own and is skipped; its input gets the pool's.
      const g = tf.tidy(() => fusedRule({ node: node as PoolNode, xs, y, dy, params: undefined }));
      accumulate(grads, relu.inputs[0], g);
      return;
    }
    const ref =
      refActs === undefined
        ? undefined
        : { xs: node.inputs.map((nm) => refActs.get(nm)!), y: refActs.get(node.name)! };
    const dxs = tf.tidy(() => {
      const out = backward(rules.table, { node, xs, y, dy, params: this.params.get(node.name), ref });
      // Rules may pass dy through or reuse one tensor for several inputs: give each its own handle.
      return out.map((g, k) => (g === dy || out.indexOf(g) < k ? tf.clone(g) : g));
    });
    node.inputs.forEach((name, k) => {
      accumulate(grads, name, dxs[k]);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeParams(this.params);
  }

  get parametricLayers(): string[] {
    return parametricLayers(this.graph, this.info).map((l) => l.name);
  }

  /**
   * A new model on the same backend and under the same memory budget, with the named layers
   * re-initialised (models/randomise.ts).
   */
  async randomised(layers: readonly string[], seed: number): Promise<TfjsModel> {
    const graph = randomiseGraph(this.graph, this.info, layers, seed);
    await this.ready();
    const params = createParams(graph);
    return new TfjsModel(this.info, this.engine, graph, this.backend, params, this.budget, this.fallback);
  }

  private async ready(): Promise<void> {
    if (this.disposed) throw new XauditError('INTERNAL', 'the model has been disposed');
    await activate(this.backend);
  }

  /**
   * Computes `node` into `acts`. A conv/dense whose only consumer is a relu runs fused with it
   * (one wasm kernel instead of two) unless its own pre-activation output is wanted; both names
   * then hold the relu output, which is all the relu's backward rule needs (step(relu(x)) = step(x)).
   */
  private run(
    node: IrNode,
    x: Float32Array,
    n: number,
    acts: Map<string, tf.Tensor>,
    wanted: Set<string>,
  ): void {
    if (acts.has(node.name)) return;
    if (node.op === 'input') {
      acts.set(node.name, tf.tensor(x, [n, ...node.shape]));
      return;
    }
    const inputs = node.inputs.map((i) => acts.get(i)!);
    const relu = this.fusedRelu.get(node.name);
    if (relu !== undefined && !wanted.has(node.name)) {
      const y = tf.tidy(() => forwardNode(node, inputs, this.params.get(node.name), 'relu'));
      acts.set(relu, y);
      // A second handle on the same data, so that freeing one name does not free the other.
      acts.set(node.name, tf.clone(y));
      return;
    }
    // Its own tidy: an op's temporaries (batch norm's product, ...) go at once, not at the pass's end.
    acts.set(
      node.name,
      tf.tidy(() => forwardNode(node, inputs, this.params.get(node.name))),
    );
  }

  private checkInput(x: Float32Array, n: number): void {
    const per = sizeOf(this.graph.nodes[0].shape);
    if (!Number.isInteger(n) || n < 1 || x.length !== n * per) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `the model expects inputs of ${this.info.inputShape.join('x')} (${per} values each); got ${x.length} values for ${n} samples`,
      );
    }
  }

  /** A layer name (or an internal IR node name) to its node. */
  private resolve(name: string): IrNode {
    const node = this.graph.nodes.find((nd) => nd.name === name);
    if (node !== undefined) return node;
    const names = this.info.layers.map((l) => l.name);
    throw new XauditError('SPEC_REFERENCE', `the model has no layer '${name}'`, {
      hint: didYouMean(name, names),
    });
  }
}

/** Adds `g` into the gradient of `name` (fan-out sums), freeing the summands. */
function accumulate(grads: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = grads.get(name);
  if (prev === undefined) {
    grads.set(name, g);
    return;
  }
  grads.set(name, tf.add(prev, g));
  prev.dispose();
  g.dispose();
}

/** An independent copy: cpu's dataSync shares the tensor's buffer. */
function copy(t: tf.Tensor): Float32Array {
  return (t.dataSync() as Float32Array).slice();
}
