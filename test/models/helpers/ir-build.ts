/** Builds small IR graphs by hand, for testing ops and backward rules that no fixture covers. */

import {
  type IrGraph,
  type IrNode,
  NO_ATTRS,
  NO_WEIGHTS,
  type Padding,
  sizeOf,
  type UnaryOp,
} from '../../../src/models/ir/graph.js';
import { dilatedSize, windowAxis } from '../../../src/models/ir/windows.js';
import type { ModelInfo } from '../../../src/models/model.js';
import { seededUniform } from './close.js';

export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  private seed = 100;

  input(shape: number[]): IrNode {
    return this.push({ name: 'input', op: 'input', inputs: [], shape, attrs: NO_ATTRS, weights: NO_WEIGHTS });
  }

  conv(
    name: string,
    x: IrNode,
    cout: number,
    k: [number, number],
    opts: { strides?: [number, number]; padding?: Padding; dilation?: [number, number]; bias?: boolean } = {},
  ): IrNode {
    const strides = opts.strides ?? [1, 1];
    const padding = opts.padding ?? 'same';
    const dilation = opts.dilation ?? [1, 1];
    const cin = x.shape[2];
    const oh = windowAxis(x.shape[0], dilatedSize(k[0], dilation[0]), strides[0], padding).out;
    const ow = windowAxis(x.shape[1], dilatedSize(k[1], dilation[1]), strides[1], padding).out;
    const lim = Math.sqrt(6 / (k[0] * k[1] * (cin + cout)));
    return this.push({
      name,
      op: 'conv2d',
      inputs: [x.name],
      shape: [oh, ow, cout],
      attrs: { kernelShape: [k[0], k[1], cin, cout], strides, padding, dilation },
      weights: {
        kernel: seededUniform(this.seed++, k[0] * k[1] * cin * cout, -lim, lim),
        ...(opts.bias === false ? {} : { bias: seededUniform(this.seed++, cout, -0.2, 0.2) }),
      },
    });
  }

  dense(name: string, x: IrNode, units: number): IrNode {
    const cin = x.shape[x.shape.length - 1];
    const lim = Math.sqrt(6 / (cin + units));
    return this.push({
      name,
      op: 'dense',
      inputs: [x.name],
      shape: [...x.shape.slice(0, -1), units],
      attrs: { kernelShape: [cin, units] },
      weights: {
        kernel: seededUniform(this.seed++, cin * units, -lim, lim),
        bias: seededUniform(this.seed++, units, -0.2, 0.2),
      },
    });
  }

  unary(name: string, op: UnaryOp, x: IrNode): IrNode {
    const shape = op === 'flatten' ? [sizeOf(x.shape)] : [...x.shape];
    return this.push({ name, op, inputs: [x.name], shape, attrs: NO_ATTRS, weights: NO_WEIGHTS });
  }

  leaky(name: string, x: IrNode, alpha: number): IrNode {
    return this.push({
      name,
      op: 'leakyrelu',
      inputs: [x.name],
      shape: [...x.shape],
      attrs: { alpha },
      weights: NO_WEIGHTS,
    });
  }

  pool(
    name: string,
    op: 'maxpool' | 'avgpool',
    x: IrNode,
    pool: [number, number],
    strides: [number, number],
    padding: Padding,
  ): IrNode {
    const shape = [
      windowAxis(x.shape[0], pool[0], strides[0], padding).out,
      windowAxis(x.shape[1], pool[1], strides[1], padding).out,
      x.shape[2],
    ];
    return this.push({
      name,
      op,
      inputs: [x.name],
      shape,
      attrs: { pool, strides, padding },
      weights: NO_WEIGHTS,
    });
  }

  gap(name: string, x: IrNode, keepDims: boolean): IrNode {
    const shape = keepDims ? [1, 1, x.shape[2]] : [x.shape[2]];
    return this.push({
      name,
      op: 'globalavgpool',
      inputs: [x.name],
      shape,
      attrs: { keepDims },
      weights: NO_WEIGHTS,
    });
  }

  reshape(name: string, x: IrNode, shape: number[]): IrNode {
    return this.push({ name, op: 'reshape', inputs: [x.name], shape, attrs: NO_ATTRS, weights: NO_WEIGHTS });
  }

  add(name: string, xs: IrNode[]): IrNode {
    return this.push({
      name,
      op: 'add',
      inputs: xs.map((x) => x.name),
      shape: [...xs[0].shape],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  }

  batchnorm(name: string, x: IrNode): IrNode {
    const c = x.shape[x.shape.length - 1];
    const gamma = seededUniform(this.seed++, c, 0.5, 1.5);
    const beta = seededUniform(this.seed++, c, -0.3, 0.3);
    const mean = seededUniform(this.seed++, c, -0.5, 0.5);
    const variance = seededUniform(this.seed++, c, 0.5, 2);
    const scale = gamma.map((g, i) => g / Math.sqrt(variance[i] + 1e-3));
    const shift = beta.map((b, i) => b - mean[i] * scale[i]);
    return this.push({
      name,
      op: 'batchnorm',
      inputs: [x.name],
      shape: [...x.shape],
      attrs: { epsilon: 1e-3 },
      weights: { gamma, beta, mean, variance, scale, shift },
    });
  }

  /** The graph with `out` as the logits node and a ModelInfo listing every non-input node. */
  build(out: IrNode): { graph: IrGraph; info: ModelInfo } {
    const s = this.nodes[0].shape;
    const inputShape: [number, number, number] = s.length === 3 ? [s[0], s[1], s[2]] : [1, 1, s[0]];
    return {
      graph: { nodes: this.nodes, input: this.nodes[0].name, output: out.name },
      info: {
        format: 'tfjs-layers',
        inputShape,
        outputs: out.shape[0],
        finalActivation: null,
        layers: this.nodes.slice(1).map((n) => ({
          name: n.name,
          op: n.op,
          shape: [...n.shape],
          spatial: n.shape.length === 3 && n.shape[0] > 1 && n.shape[1] > 1,
        })),
      },
    };
  }

  /** Any node, as given (ops without a helper here). */
  node(n: IrNode): IrNode {
    return this.push(n);
  }

  private push(n: IrNode): IrNode {
    this.nodes.push(n);
    return n;
  }
}
