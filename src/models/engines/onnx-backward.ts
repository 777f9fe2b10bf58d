/**
 * The plain input gradient of an IR graph as an ONNX model, run in onnxruntime: the forward ops
 * re-emitted from the IR's weights (NCHW inside, onnx-emit/forward.ts) followed by hand-written
 * backward ops (onnx-emit/backward.ts), so one session.run gives the logits and
 * d sum(logits * output_grad) / dx near the CPU's peak.
 *
 * Inputs: `x` [n, ...IR input shape] (NHWC for images, as xaudit passes them) and `output_grad`
 * [n, outputs]; outputs: `logits` and `input_grad` (x's layout). The batch axis is symbolic.
 * Only 'gradient' rules: guided/deeplift/lrp and layer captures stay on the tfjs engine.
 * An op the emitter cannot write throws BackwardUnsupported: the caller falls back to tfjs.
 */

import { availableParallelism } from 'node:os';
import { encodeModel } from '../importers/onnx-proto.js';
import type { IrGraph } from '../ir/graph.js';
import { Backward } from './onnx-emit/backward.js';
import { batchedFloat } from './onnx-emit/builder.js';
import { BackwardUnsupported, EmitContext } from './onnx-emit/context.js';
import { emitForward, INPUT } from './onnx-emit/forward.js';

export { BackwardUnsupported };

export const BACKWARD_INPUT = INPUT;
export const BACKWARD_OUTPUT_GRAD = 'output_grad';
export const BACKWARD_LOGITS = 'logits';
export const BACKWARD_INPUT_GRAD = 'input_grad';

export interface EmitOptions {
  /**
   * The intra-op threads the session will run with (default: every core Node may use, the
   * engine's default): some gradients have a faster form on 1-2 threads (onnx-emit/backward.ts).
   */
  threads?: number;
}

/** Emits the ONNX ModelProto bytes; throws BackwardUnsupported where an op cannot be written. */
export function emitBackwardModel(graph: IrGraph, opts: EmitOptions = {}): Uint8Array {
  const ctx = new EmitContext(graph, opts.threads ?? availableParallelism());
  const { b } = ctx;
  const out = ctx.byName.get(graph.output)!;
  if (out.shape.length !== 1) throw new BackwardUnsupported(`logits of shape [${out.shape}] (not [k])`);
  const order = graph.nodes.filter((n) => ctx.live.has(n.name));
  for (const node of order) emitForward(ctx, node);
  b.op('Identity', [ctx.acts.get(graph.output)!.name], [BACKWARD_LOGITS]);

  const backward = new Backward(ctx);
  backward.seed(graph.output, BACKWARD_OUTPUT_GRAD);
  for (const node of [...order].reverse()) {
    const dy = node.op === 'input' ? undefined : backward.grad(node.name);
    if (dy !== undefined) backward.emit(node, dy);
  }
  const input = graph.nodes[0];
  const gx = backward.grad(input.name);
  if (gx === undefined) {
    // No path from the input to the logits: a zero gradient.
    b.op('Mul', [BACKWARD_INPUT, b.scalar(0)], [BACKWARD_INPUT_GRAD]);
  } else {
    const plain = ctx.convert(gx, ctx.acts.get(input.name)!.layout, 'plain', input.shape.length);
    b.op('Identity', [plain], [BACKWARD_INPUT_GRAD]);
  }
  const k = out.shape[0];
  return encodeModel(
    b.model(
      'xaudit_backward',
      [batchedFloat(BACKWARD_INPUT, input.shape), batchedFloat(BACKWARD_OUTPUT_GRAD, [k])],
      [batchedFloat(BACKWARD_LOGITS, [k]), batchedFloat(BACKWARD_INPUT_GRAD, input.shape)],
    ),
  );
}
