import { XauditError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { consoleReporter } from './console.js';
import { githubReporter } from './github.js';
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import type { AnyReporter } from './types.js';

/** Every reporter, by id. A new reporter is one file plus one line here. */
export const reporters: Record<string, AnyReporter> = Object.fromEntries(
  [consoleReporter, jsonReporter, htmlReporter, junitReporter, githubReporter].map((r) => [r.id, r]),
);

export function getReporter(id: string): AnyReporter {
  const r = reporters[id];
  if (r === undefined) {
    throw new XauditError('SPEC_REFERENCE', `Unknown reporter '${id}'`, {
      hint: didYouMean(id, Object.keys(reporters)),
    });
  }
  return r;
}
