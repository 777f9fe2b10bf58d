// Each method's cost with its defaults on the fixture CNN, in forward-pass equivalents:
// (attribute time per image) / (forward time per image), measured side by side.
import { join } from 'node:path';
import { loadSpec } from '../dist/audit/load.js';
import { prepareAudit } from '../dist/audit/prepare.js';
import { methods } from '../dist/methods/registry.js';

export function methodsSection(root, { table, median }) {
  return {
    title:
      'methods: cost per image in forward-pass equivalents (wolf-snow-biased, 8 images, defaults, tfjs-wasm)',
    async run() {
      const prepared = await prepareAudit(await loadSpec(join(root, 'audits', 'wolf-snow-biased.yaml')), {
        engine: 'wasm',
      });
      const { model, input } = prepared;
      const ds = prepared.datasets.get('val');
      const samples = ds.samples.slice(0, 8);
      const { x } = await ds.stack(samples);
      const n = samples.length;
      const targets = Int32Array.from(samples, (s) => s.labelIndex);
      const batch = { x, n, ids: samples.map((s) => s.id) };
      const refs = await ds.stack(ds.samples.slice(0, 32));
      const ctx = {
        seed: 1,
        unitId: 'bench',
        input,
        maxBatch: 32,
        baselines: { x: refs.x, n: 32 },
        baseDir: root,
      };
      const fwdTimes = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        await model.forward(x, n);
        fwdTimes.push(performance.now() - t0);
      }
      const fwd = median(fwdTimes.slice(2)) / n;
      const rows = [['method', 'family', 'ms/image', 'forward-equivalents']];
      for (const m of Object.values(methods)) {
        let note = '';
        // One untimed image first: the first use of a kernel (and a rule table) compiles it.
        const one = { x: x.subarray(0, x.length / n), n: 1, ids: batch.ids.slice(0, 1) };
        await m
          .attribute(model, one, targets.subarray(0, 1), structuredClone(m.defaults), ctx)
          .catch(() => {});
        const t0 = performance.now();
        try {
          await m.attribute(model, batch, targets, structuredClone(m.defaults), ctx);
        } catch (e) {
          note = `refused: ${e instanceof Error ? e.message.slice(0, 60) : String(e)}`;
        }
        const per = (performance.now() - t0) / n;
        rows.push([
          m.id,
          m.family,
          note === '' ? per.toFixed(2) : note,
          note === '' ? (per / fwd).toFixed(1) : '-',
        ]);
      }
      model.dispose();
      console.log(`forward: ${fwd.toFixed(3)} ms/image at batch ${n}`);
      table(rows);
    },
  };
}
