import type {
  ForwardResult,
  GradientRequest,
  GradientResult,
  LayerInfo,
  Model,
  ModelInfo,
} from '../../src/models/model.js';

/**
 * Pure-JS models whose outputs and gradients are known in closed form, for
 * testing attribution methods against exact truth. All tensors are flat NHWC.
 */

type Shape = [number, number, number];
const sizeOf = (s: Shape) => s[0] * s[1] * s[2];

function info(inputShape: Shape, outputs: number, layers: LayerInfo[] = []): ModelInfo {
  return { format: 'tfjs-layers', inputShape, outputs, finalActivation: 'softmax', layers };
}

/** A deterministic pseudo-random vector in [-1, 1) (an LCG: tests need fixed numbers, not quality). */
export function fixedRandom(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** f_k(x) = W_k . x + b_k. Gradient: W_k. */
export function linear(shape: Shape, W: Float32Array[], b: number[] = W.map(() => 0)): Model {
  const size = sizeOf(shape);
  const k = W.length;
  const logitsOf = (x: Float32Array, n: number) => {
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = b[j];
        for (let p = 0; p < size; p++) s += W[j][p] * x[i * size + p];
        out[i * k + j] = s;
      }
    }
    return out;
  };
  return {
    info: info(shape, k),
    engine: 'analytic-linear',
    async forward(x, n): Promise<ForwardResult> {
      return { logits: logitsOf(x, n), captured: new Map() };
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      const g = new Float32Array(req.n * size);
      for (let i = 0; i < req.n; i++)
        for (let j = 0; j < k; j++) {
          const s = req.outputGrad[i * k + j];
          for (let p = 0; p < size; p++) g[i * size + p] += s * W[j][p];
        }
      return { logits: logitsOf(req.x, req.n), inputGrad: g };
    },
    dispose() {},
  };
}

/**
 * f_k(x) = sum_j V[k][j] * tanh(U_j . x + c_j).
 * Gradient: sum_k g_k sum_j V[k][j] (1 - tanh^2(U_j . x + c_j)) U_j.
 */
export function tanhNet(shape: Shape, U: Float32Array[], c: number[], V: number[][]): Model {
  const size = sizeOf(shape);
  const hidden = U.length;
  const k = V.length;
  const hiddenOf = (x: Float32Array, i: number) => {
    const t = new Float64Array(hidden);
    for (let j = 0; j < hidden; j++) {
      let s = c[j];
      for (let p = 0; p < size; p++) s += U[j][p] * x[i * size + p];
      t[j] = Math.tanh(s);
    }
    return t;
  };
  const logitsOf = (x: Float32Array, n: number) => {
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const t = hiddenOf(x, i);
      for (let o = 0; o < k; o++) {
        let s = 0;
        for (let j = 0; j < hidden; j++) s += V[o][j] * t[j];
        out[i * k + o] = s;
      }
    }
    return out;
  };
  return {
    info: info(shape, k),
    engine: 'analytic-tanh',
    async forward(x, n): Promise<ForwardResult> {
      return { logits: logitsOf(x, n), captured: new Map() };
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      const g = new Float32Array(req.n * size);
      for (let i = 0; i < req.n; i++) {
        const t = hiddenOf(req.x, i);
        for (let j = 0; j < hidden; j++) {
          let dh = 0;
          for (let o = 0; o < k; o++) dh += req.outputGrad[i * k + o] * V[o][j];
          const d = dh * (1 - t[j] * t[j]);
          for (let p = 0; p < size; p++) g[i * size + p] += d * U[j][p];
        }
      }
      return { logits: logitsOf(req.x, req.n), inputGrad: g };
    },
    dispose() {},
  };
}

export interface CamParams {
  /** Input [h, w, c]; h and w even. */
  shape: Shape;
  /** [K][c]: per-pixel linear map from pooled input channels to K feature channels. */
  M: number[][];
  /** [K] bias of the map. */
  d: number[];
  /** [outputs][K] dense layer after global average pooling. */
  D: number[][];
  /** [outputs] bias. */
  e: number[];
}

/**
 * A tiny CNN-shaped model with every step explicit:
 *   pool = 2x2 average pool of x (stride 2)          [h/2, w/2, c]
 *   act  = relu(M pool + d) per cell                  [h/2, w/2, K]   (spatial: Grad-CAM's 'auto')
 *   gap  = mean over cells of act                     [K]
 *   y    = D gap + e                                  [outputs]
 * so dY_t/dact[p, q] = D[t][q] / cells and Grad-CAM is computable by hand.
 */
export function camNet(p: CamParams): Model {
  const [h, w, c] = p.shape;
  const size = h * w * c;
  const ph = h / 2;
  const pw = w / 2;
  const cells = ph * pw;
  const K = p.M.length;
  const k = p.D.length;
  const layers: LayerInfo[] = [
    { name: 'pool', op: 'avgpool', shape: [ph, pw, c], spatial: true },
    { name: 'act', op: 'relu', shape: [ph, pw, K], spatial: true },
    { name: 'gap', op: 'globalavgpool', shape: [K], spatial: false },
    { name: 'logits', op: 'dense', shape: [k], spatial: false },
  ];
  const run = (x: Float32Array, n: number) => {
    const pool = new Float32Array(n * cells * c);
    const pre = new Float32Array(n * cells * K);
    const act = new Float32Array(n * cells * K);
    const logits = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < ph; y++)
        for (let xx = 0; xx < pw; xx++)
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (const [dy, dx] of [
              [0, 0],
              [0, 1],
              [1, 0],
              [1, 1],
            ])
              s += x[i * size + ((2 * y + dy) * w + 2 * xx + dx) * c + ch];
            pool[(i * cells + y * pw + xx) * c + ch] = s / 4;
          }
      const gap = new Float64Array(K);
      for (let cell = 0; cell < cells; cell++)
        for (let q = 0; q < K; q++) {
          let s = p.d[q];
          for (let ch = 0; ch < c; ch++) s += p.M[q][ch] * pool[(i * cells + cell) * c + ch];
          pre[(i * cells + cell) * K + q] = s;
          act[(i * cells + cell) * K + q] = Math.max(0, s);
          gap[q] += Math.max(0, s) / cells;
        }
      for (let o = 0; o < k; o++) {
        let s = p.e[o];
        for (let q = 0; q < K; q++) s += p.D[o][q] * gap[q];
        logits[i * k + o] = s;
      }
    }
    return { pool, pre, act, logits };
  };
  const shapes: Record<string, number[]> = { pool: [ph, pw, c], act: [ph, pw, K] };
  return {
    info: info(p.shape, k, layers),
    engine: 'analytic-cam',
    async forward(x, n, capture = []): Promise<ForwardResult> {
      const r = run(x, n);
      const captured = new Map<string, Float32Array>();
      for (const name of capture) {
        if (name === 'pool') captured.set(name, r.pool);
        else if (name === 'act') captured.set(name, r.act);
        else throw new Error(`camNet cannot capture '${name}'`);
      }
      return { logits: r.logits, captured };
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      const n = req.n;
      const r = run(req.x, n);
      const gAct = new Float32Array(n * cells * K);
      const gPool = new Float32Array(n * cells * c);
      const gx = new Float32Array(n * size);
      for (let i = 0; i < n; i++) {
        for (let q = 0; q < K; q++) {
          let s = 0;
          for (let o = 0; o < k; o++) s += req.outputGrad[i * k + o] * p.D[o][q];
          for (let cell = 0; cell < cells; cell++) gAct[(i * cells + cell) * K + q] = s / cells;
        }
        for (let cell = 0; cell < cells; cell++)
          for (let q = 0; q < K; q++) {
            const j = (i * cells + cell) * K + q;
            if (r.pre[j] <= 0) continue; // relu'(0) = 0, as tfjs and PyTorch
            for (let ch = 0; ch < c; ch++) gPool[(i * cells + cell) * c + ch] += gAct[j] * p.M[q][ch];
          }
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++)
            for (let ch = 0; ch < c; ch++)
              gx[i * size + (y * w + xx) * c + ch] =
                gPool[(i * cells + Math.floor(y / 2) * pw + Math.floor(xx / 2)) * c + ch] / 4;
      }
      const out: GradientResult = {
        logits: r.logits,
        inputGrad: req.inputGrad === false ? new Float32Array(0) : gx,
      };
      if (req.layer !== undefined) {
        if (req.layer !== 'pool' && req.layer !== 'act')
          throw new Error(`camNet has no layer '${req.layer}'`);
        out.layerActivation = req.layer === 'pool' ? r.pool : r.act;
        out.layerGrad = req.layer === 'pool' ? gPool : gAct;
        out.layerShape = shapes[req.layer];
      }
      return out;
    },
    dispose() {},
  };
}

/** Wraps a model and records the batch size of every engine call. */
export function recordingCalls(model: Model): { model: Model; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    model: {
      info: model.info,
      engine: model.engine,
      forward(x, n, capture) {
        calls.push(n);
        return model.forward(x, n, capture);
      },
      gradient(req) {
        calls.push(req.n);
        return model.gradient(req);
      },
      dispose: () => model.dispose(),
    },
  };
}
