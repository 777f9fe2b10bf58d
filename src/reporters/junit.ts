import { join } from 'node:path';
import type { CheckReport, Report } from '../audit/report.js';
import { writeFileAtomic } from '../core/atomic.js';
import { escapeMarkup, escapeXmlAttr } from './_render/escape.js';
import { fmtExpectation, fmtLocation, fmtNum, scopeNote, worstSamples } from './_render/format.js';
import type { Reporter, ReporterContext } from './types.js';

export interface JunitOptions {
  worst: number;
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function detailText(c: CheckReport, specPath: string, k: number): string {
  const lines = [c.message, `at ${fmtLocation(specPath, c)}`];
  for (const e of c.expectations) lines.push(`${e.passed ? 'ok  ' : 'FAIL'} ${fmtExpectation(e)}`);
  for (const e of c.errors) lines.push(`error: ${e}`);
  const worst = worstSamples(c, k);
  if (worst.length > 0) {
    lines.push(`worst samples (${c.scoreDirection} is better):`);
    for (const s of worst) lines.push(`  ${s.id} [${s.label}] score ${fmtNum(s.score)}`);
  }
  return lines.join('\n');
}

function testcase(c: CheckReport, report: Report, ctx: ReporterContext, k: number): string {
  const open = `    <testcase classname="${escapeXmlAttr(`xaudit.${c.check}`)}" name="${escapeXmlAttr(c.id)}" time="${seconds(report.timings.checks[c.id])}"`;
  const body = escapeMarkup(detailText(c, ctx.specPath, k));
  switch (c.outcome) {
    case 'pass':
      return `${open}/>`;
    case 'warn':
      // A warning does not fail the build; say why in the captured output.
      return `${open}>\n      <system-out>warning: ${body}</system-out>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure message="${escapeXmlAttr(c.message)}" type="fail">${body}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${escapeXmlAttr(c.message)}" type="error">${body}</error>\n    </testcase>`;
  }
}

export const junitReporter: Reporter<JunitOptions> = {
  id: 'junit',
  title: 'JUnit XML',
  summary:
    'Writes junit.xml: one testsuite per spec and one testcase per check (fail as <failure>, error as <error>), for CI test views.',
  references: ['https://github.com/testmoapp/junitxml'],
  schema: {
    type: 'object',
    properties: { worst: { type: 'integer', minimum: 0, maximum: 50 } },
    additionalProperties: false,
  },
  defaults: { worst: 5 },
  optionDocs: { worst: 'How many of the worst samples to list in the text of a failure.' },
  async write(report, _artifacts, ctx, opts) {
    const { counts } = report.summary;
    const n = report.checks.length;
    const attrs = `tests="${n}" failures="${counts.fail}" errors="${counts.error}" skipped="0" time="${seconds(report.timings.totalMs)}"`;
    const props = [
      ['spec', report.spec.path],
      ['model', report.model.path],
      ['engine', report.model.engine],
      ['seed', String(report.seed)],
      ['xaudit', report.tool.version],
      ...(scopeNote(report) === null ? [] : [['scope', scopeNote(report) as string]]),
    ]
      .map(([k, v]) => `      <property name="${k}" value="${escapeXmlAttr(v)}"/>`)
      .join('\n');
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="xaudit" ${attrs}>`,
      `  <testsuite name="${escapeXmlAttr(report.spec.name)}" ${attrs}>`,
      `    <properties>\n${props}\n    </properties>`,
      ...report.checks.map((c) => testcase(c, report, ctx, opts.worst)),
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n');
    await writeFileAtomic(join(ctx.outDir, 'junit.xml'), xml);
  },
};
