// Each check's cost with its defaults on the fixture CNN, in forward-pass equivalents:
// (check wall time per image) / (forward time per image), measured side by side in one run.
// Checks that score an explanation use saliency (3 forward-equivalents per image, included);
// completeness needs a method with completeness and uses integrated-gradients (50 steps).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseSpec } from '../dist/audit/load.js';
import { prepareAudit } from '../dist/audit/prepare.js';
import { runAudit } from '../dist/audit/run.js';
import { checks } from '../dist/checks/registry.js';

const N = 16;

export function checksSection(root, { table, median }) {
  return {
    title: `checks: cost per image in forward-pass equivalents (wolf-snow-biased model, ${N} images, defaults, tfjs-wasm)`,
    async run() {
      const entries = Object.values(checks).map((c) => {
        const explanation =
          c.explanation === 'none' ? '' : `explanation: ${c.explanation === 'completeness' ? 'ig' : 'sal'}, `;
        // The one default that does not fit the demo's box-only manifest.
        const extra = c.id === 'attribution-mass-in-region' ? 'region: outside-box, ' : '';
        return `  - { id: ${c.id}, check: ${c.id}, ${explanation}${extra}max_errors: ${N}, expect: { max: { ">=": -1e30 } } }`;
      });
      const dir = await mkdtemp(join(tmpdir(), 'xaudit-bench-checks-'));
      await writeFile(join(dir, 'subset.csv'), await subset(root));
      const spec = await parseSpec(
        `version: 1
seed: 1
model:
  path: ${join(root, 'fixtures/models/wolf-snow-biased/model.json')}
  classes: [husky, wolf]
  input: { size: [64, 64] }
  engine: wasm
data: { val: { manifest: subset.csv } }
explanations:
  sal: { method: saliency }
  ig: { method: integrated-gradients }
checks:
${entries.join('\n')}
report: { heatmaps: 0 }
`,
        join(dir, 'bench-checks.yaml'),
      );
      const prepared = await prepareAudit(spec);
      const ds = prepared.datasets.get('val');
      const { x } = await ds.stack(ds.samples);
      const n = ds.samples.length;
      const fwdTimes = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        await prepared.model.forward(x, n);
        fwdTimes.push(performance.now() - t0);
      }
      const fwd = median(fwdTimes.slice(2)) / n;
      const rows = [['check', 'category', 'explanation', 'ms/image', 'forward-equivalents']];
      for (const c of Object.values(checks)) {
        // A fresh run per check: no maps or logits shared with the previous one.
        const { report } = await runAudit(prepared, { only: [c.id] });
        const ms = report.timings.checks[c.id] / n;
        const outcome =
          report.checks[0].outcome === 'error' ? ` (${report.checks[0].message.slice(0, 40)})` : '';
        rows.push([
          c.id,
          c.category,
          c.explanation === 'none' ? '-' : c.explanation === 'completeness' ? 'ig-50' : 'saliency',
          ms.toFixed(1) + outcome,
          (ms / fwd).toFixed(1),
        ]);
      }
      prepared.model.dispose();
      await rm(dir, { recursive: true, force: true });
      console.log(`forward: ${fwd.toFixed(3)} ms/image at batch ${n}`);
      table(rows);
    },
  };
}

/** The first N rows of the demo's validation manifest, with absolute image paths. */
async function subset(root) {
  const file = join(root, 'fixtures/wolf-snow/val/manifest.csv');
  const [head, ...rows] = (await readFile(file, 'utf8')).trim().split('\n');
  const abs = rows.slice(0, N).map((r) => {
    const [path, ...rest] = r.split(',');
    return [resolve(dirname(file), path), ...rest].join(',');
  });
  return `${[head, ...abs].join('\n')}\n`;
}
