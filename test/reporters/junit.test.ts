import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { junitReporter } from '../../src/reporters/junit.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

/** A tiny well-formedness check: balanced tags, quoted attributes, no raw '<' or stray '&' in text. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of body.matchAll(token)) {
    if (m[6] !== undefined) throw new Error(`stray '<' at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(m[5]))
        throw new Error(`stray '&' in ${m[5]}`);
      continue;
    }
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(m[3])) throw new Error(`stray '&' in ${m[3]}`);
    if (m[1] === '/') {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}>`);
    } else if (m[4] !== '/') stack.push(m[2]);
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
}

describe('junit reporter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('writes one testcase per check with failure, error and warning notes, and right counts', async () => {
    const report = sampleReport();
    await junitReporter.write(report, sampleArtifacts(report), context(dir), junitReporter.defaults);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    assertWellFormed(xml);
    expect(xml.match(/<testcase /g)?.length).toBe(4);
    expect(xml.match(/<failure /g)?.length).toBe(1);
    expect(xml.match(/<error /g)?.length).toBe(1);
    expect(xml.match(/<system-out>warning: /g)?.length).toBe(1);
    expect(xml).toContain(
      '<testsuite name="Wolf vs husky: does it look at the animal?" tests="4" failures="1" errors="1" skipped="0"',
    );
    expect(xml).toContain(
      '<testcase classname="xaudit.attribution-mass-in-box" name="wolf-looks-at-the-animal"',
    );
    expect(xml).toContain('at audits/wolf-snow.yaml:18:5');
    expect(xml).toContain('FAIL mean 0.3712, expected &gt;= 0.5');
  });

  it('escapes <, &, " and quotes in names, messages and details', async () => {
    const report = sampleReport();
    report.spec.name = 'a <b> & "c"';
    report.checks[1].id = 'x<&">y';
    report.checks[1].message = 'mean < 0.5 & "bad" \u0001';
    await junitReporter.write(report, sampleArtifacts(), context(dir), junitReporter.defaults);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    assertWellFormed(xml);
    expect(xml).toContain('name="a &lt;b&gt; &amp; &quot;c&quot;"');
    expect(xml).toContain('name="x&lt;&amp;&quot;&gt;y"');
    expect(xml).toContain('message="mean &lt; 0.5 &amp; &quot;bad&quot; \uFFFD"');
    expect(xml).not.toContain('\u0001');
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => assertWellFormed('<a><b></a></b>')).toThrow();
    expect(() => assertWellFormed('<a>x < y</a>')).toThrow();
    expect(() => assertWellFormed('<a>x & y</a>')).toThrow();
  });
});
