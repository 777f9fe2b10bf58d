/**
 * The contract between engines and everything above them. Tensors cross it
 * as flat Float32Arrays in NHWC order (batch, height, width, channels), the
 * layout of tfjs Layers models.
 */

export type EngineKind = 'auto' | 'wasm' | 'cpu';

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
  format: 'tfjs-layers';
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

/** Backward rule set; later methods add guided backprop, deconvnet, LRP, DeepLIFT. */
export type BackwardRules = 'gradient';

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
}

export interface GradientResult {
  logits: Float32Array;
  /** [n, h, w, c]; empty when inputGrad was false. */
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
  forward(x: Float32Array, n: number, capture?: readonly string[]): Promise<ForwardResult>;
  gradient(req: GradientRequest): Promise<GradientResult>;
  dispose(): void;
}
