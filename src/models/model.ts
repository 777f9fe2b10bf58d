/**
 * The contract between engines and everything above them. Tensors cross it
 * as flat Float32Arrays in NHWC order (batch, height, width, channels), the
 * layout of tfjs Layers models.
 */

/**
 * auto: onnxruntime for ONNX files, else tfjs-wasm. tfjs-node (TensorFlow's native library) is
 * never a dependency and runs only when named: its results depend on the batch size at float rounding.
 */
export type EngineKind = 'auto' | 'wasm' | 'cpu' | 'onnxruntime' | 'tfjs-node';

/** A node of the model graph that a layer method may capture. */
export interface LayerInfo {
  /** The user-facing name: a Keras layer name, naming its output after its activation. */
  name: string;
  /** IR op of the node that produces this output (e.g. 'relu' for a Conv2D with relu). */
  op: string;
  /** Output shape without the batch dimension, NHWC. */
  shape: number[];
  /** True when the output is [h, w, c] with h, w > 1. */
  spatial: boolean;
}

export interface ModelInfo {
  format: 'tfjs-layers' | 'tfjs-graph' | 'keras' | 'onnx';
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  /** Number of output units (logits). */
  outputs: number;
  /** A final softmax/sigmoid split off at import; logits are what comes before it. */
  finalActivation: 'softmax' | 'sigmoid' | null;
  /** Layers in topological order. */
  layers: LayerInfo[];
}

export interface ForwardResult {
  /** [n, outputs], pre-activation logits. */
  logits: Float32Array;
  /** Activations of the requested layers, each [n, ...shape]. */
  captured: Map<string, Float32Array>;
}

/**
 * Backward rule set of the reverse pass. 'gradient' is the plain gradient; 'guided-backprop' and
 * 'deconvnet' change the relu rule (Captum's GuidedBackprop / Deconvolution); 'deeplift' propagates
 * rescale multipliers against `reference` (Captum's DeepLift); 'lrp' propagates relevance by the
 * per-layer rules of `lrp`. The tfjs engine applies them all; an engine that cannot must throw
 * rather than return the plain gradient (the analytic test models are gradient-only doubles).
 */
export type BackwardRules = 'gradient' | 'guided-backprop' | 'deconvnet' | 'deeplift' | 'lrp';

/** LRP rule of one linear layer (zennit's rule of the same name; 'alpha-beta' uses alpha and beta). */
export type LrpRule = 'epsilon' | 'gamma' | 'alpha-beta' | 'flat' | 'zbox';

/**
 * Which LRP rule each conv2d/dense layer uses and the rules' parameters. The rest is fixed:
 * activations pass relevance through, max-pool routes it to the window's maximum, add/avg-pool
 * split it in proportion to their inputs (zennit's Norm), batchnorm uses epsilon.
 */
export interface LrpConfig {
  conv: LrpRule;
  dense: LrpRule;
  /** Overrides the rule of the first conv2d/dense layer in topological order (zennit's first_map). */
  first?: LrpRule;
  /** Epsilon of the epsilon rule (also batchnorm's); every other rule adds a fixed 1e-6 stabiliser. */
  epsilon: number;
  gamma: number;
  alpha: number;
  beta: number;
  /** Fold a batchnorm that follows a conv/dense into its weights (zennit's SequentialMergeBatchNorm). */
  foldBatchnorm?: boolean;
  /** zbox: lowest and highest valid values of one (normalised) input sample, [h*w*c] each. */
  low?: Float32Array;
  high?: Float32Array;
}

export interface GradientRequest {
  /** [n, h, w, c] input. */
  x: Float32Array;
  n: number;
  /** [n, outputs]: the gradient of sum(outputGrad * logits) is computed (a one-hot row selects a target). */
  outputGrad: Float32Array;
  /** Also return this layer's activation and the gradient with respect to it. */
  layer?: string;
  /** Compute the input gradient (default true); false stops the reverse pass at `layer`. */
  inputGrad?: boolean;
  rules?: BackwardRules;
  /**
   * deeplift: the reference input of each sample, [n, h, w, c] like x (repeat a shared baseline).
   * The backward quantity is then the multiplier m with attribution m * (x - reference).
   */
  reference?: Float32Array;
  /** lrp: the rules. The backward quantity is relevance, seeded with outputGrad itself (not times the logit). */
  lrp?: LrpConfig;
}

export interface GradientResult {
  logits: Float32Array;
  /** deeplift: logits of the reference inputs, [n, outputs]. */
  referenceLogits?: Float32Array;
  /** [n, h, w, c]; empty when inputGrad was false. Under other rules, their backward quantity. */
  inputGrad: Float32Array;
  layerActivation?: Float32Array;
  layerGrad?: Float32Array;
  /** Shape of the layer output without the batch dimension. */
  layerShape?: number[];
}

export interface Model {
  readonly info: ModelInfo;
  /** Engine name and version, for provenance, e.g. `tfjs-wasm@4.22.0`. */
  readonly engine: string;
  /** Threads the forward engine runs on, for provenance; absent means one (tfjs-wasm, tfjs-cpu). */
  readonly threads?: number;
  /**
   * Why the engine runs on something other than what was asked for (e.g. wasm could not start).
   * Known when the model is made, so that the report does not depend on which calls were cached.
   */
  readonly fallback?: string;
  /**
   * Any n: an engine runs a call whose samples would exceed its working-memory budget (the
   * `memoryMb` option of its create(), engines/memory-budget.ts) in chunks and concatenates
   * them; the result is one call's, as samples never interact (bit for bit on tfjs-wasm,
   * tfjs-cpu and onnxruntime; to float rounding on tfjs-node, whose native kernels depend on the
   * batch size anyway). Callers still batch (model.batch_size) for progress, cancellation and
   * the size of their own arrays; the engine's working memory is bounded whatever n is.
   */
  forward(x: Float32Array, n: number, capture?: readonly string[]): Promise<ForwardResult>;
  /** Any n, chunked under the memory budget like forward(). */
  gradient(req: GradientRequest): Promise<GradientResult>;
  dispose(): void;
  /**
   * Layers with weights (conv2d, dense, batchnorm), named as in info.layers, output first: the
   * order of cascading parameter randomisation. Absent on models that cannot be randomised.
   */
  readonly parametricLayers?: readonly string[];
  /**
   * A NEW model whose named parametric layers are re-initialised, seeded (models/randomise.ts);
   * this model is untouched. The caller disposes the copy. Absent where parametricLayers is.
   */
  randomised?(layers: readonly string[], seed: number): Promise<Model>;
}
