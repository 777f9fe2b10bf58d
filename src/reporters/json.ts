import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { Reporter } from './types.js';

export type JsonOptions = Record<string, never>;

export const jsonReporter: Reporter<JsonOptions> = {
  id: 'json',
  title: 'JSON report',
  summary:
    'Writes report.json: the whole report, 2-space indented, stable key order; schemas/report.schema.json describes it.',
  references: [],
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
  async write(report, _artifacts, ctx) {
    // Key order is the order the runner built the object in; that is the stable order.
    await writeFileAtomic(join(ctx.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  },
};
