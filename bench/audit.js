// The demo audits end to end: wall time per audit and per check, and peak RSS. They run on the
// embedded engine (wasm), what `npx xaudit run` uses unless the user installed tfjs-node.
import { join } from 'node:path';
import { loadSpec } from '../dist/audit/load.js';
import { prepareAudit } from '../dist/audit/prepare.js';
import { runAudit } from '../dist/audit/run.js';

export function auditSection(root, table) {
  return {
    title: 'demo audits end to end (64 images, every check; target < 30 s each)',
    async run() {
      const rows = [['audit (tfjs-wasm)', 'wall s', 'outcome', 'slowest check (s)']];
      const perCheck = [['check', 'biased s', 'clean s']];
      const times = {};
      for (const name of ['wolf-snow-biased', 'wolf-snow-clean']) {
        const t0 = performance.now();
        const spec = await loadSpec(join(root, 'audits', `${name}.yaml`));
        const prepared = await prepareAudit(spec, { engine: 'wasm' });
        const { report } = await runAudit(prepared);
        prepared.model.dispose();
        const wall = (performance.now() - t0) / 1000;
        const checks = Object.entries(report.timings.checks).sort((a, b) => b[1] - a[1]);
        times[name] = report.timings.checks;
        rows.push([
          name,
          wall.toFixed(2),
          report.summary.outcome,
          `${checks[0][0]} (${(checks[0][1] / 1000).toFixed(2)})`,
        ]);
      }
      for (const id of Object.keys(times['wolf-snow-biased'])) {
        perCheck.push([
          id,
          (times['wolf-snow-biased'][id] / 1000).toFixed(2),
          ((times['wolf-snow-clean'][id] ?? Number.NaN) / 1000).toFixed(2),
        ]);
      }
      table(rows);
      console.log('');
      table(perCheck);
      console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    },
  };
}
