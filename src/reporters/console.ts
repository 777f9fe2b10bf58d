import type { CheckReport, Outcome } from '../audit/report.js';
import {
  baselineNote,
  fmtCounts,
  fmtNum,
  headline,
  OUTCOME_WORD,
  scopeNote,
  worstSamples,
} from './_render/format.js';
import type { Reporter } from './types.js';

export interface ConsoleOptions {
  worst: number;
}

const ANSI: Record<Outcome | 'dim' | 'bold', string> = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  warn: '\x1b[33m',
  error: '\x1b[35m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
};
const RESET = '\x1b[0m';

type Paint = (style: keyof typeof ANSI, s: string) => string;

function table(rows: string[][], paintCell: (row: number, col: number, padded: string) => string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, i) =>
    r
      .map((cell, c) => paintCell(i, c, c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function worstLines(c: CheckReport, k: number, paint: Paint): string[] {
  const worst = worstSamples(c, k);
  if (worst.length === 0) return [];
  const lines = [`  ${c.id}: worst ${worst.length} of ${c.samples.length} (${c.scoreDirection} is better)`];
  const idW = Math.max(...worst.map((s) => s.id.length));
  for (const s of worst) {
    lines.push(`    ${s.id.padEnd(idW)}  ${paint('dim', s.label)}  score ${fmtNum(s.score)}`);
  }
  return lines;
}

export const consoleReporter: Reporter<ConsoleOptions> = {
  id: 'console',
  title: 'Console summary',
  summary:
    'A table of checks with outcome, headline value vs threshold and message, the worst samples of failed checks, and the verdict.',
  references: [],
  schema: {
    type: 'object',
    properties: { worst: { type: 'integer', minimum: 0, maximum: 50 } },
    additionalProperties: false,
  },
  defaults: { worst: 5 },
  optionDocs: { worst: 'How many of the worst samples (with scores) to list under each failed check.' },
  async write(report, _artifacts, ctx, opts) {
    const paint: Paint = (style, s) => (ctx.isTTY && s.length > 0 ? `${ANSI[style]}${s}${RESET}` : s);
    const rows = [['CHECK', 'OUTCOME', 'VALUE', 'THRESHOLD', 'MESSAGE']];
    for (const c of report.checks) {
      const h = headline(c);
      rows.push([
        c.id,
        OUTCOME_WORD[c.outcome],
        h === null ? '' : `${h.statistic} ${fmtNum(h.value)}`,
        h === null ? '' : `${h.op} ${fmtNum(h.threshold)}`,
        [c.message, baselineNote(c)].filter((m) => m !== null && m !== '').join(' | '),
      ]);
    }
    const out: string[] = [
      `${paint('bold', `xaudit: ${report.spec.name}`)}  ${paint('dim', report.model.path)}`,
      '',
    ];
    const scope = scopeNote(report);
    if (scope !== null) out.splice(1, 0, paint('warn', scope));
    out.push(
      ...table(rows, (r, col, cell) => {
        if (r === 0) return paint('dim', cell);
        if (col === 1) return paint(report.checks[r - 1].outcome, cell);
        return cell;
      }),
    );
    const details: string[] = [];
    for (const c of report.checks) {
      // The message already names every failed expectation; add what it cannot: the samples.
      if (c.outcome === 'fail') details.push(...worstLines(c, opts.worst, paint));
      else if (c.outcome === 'error') {
        details.push(`  ${c.id}: ${paint('error', 'error:')} ${c.errors.join('; ') || c.message}`);
      }
    }
    if (details.length > 0) out.push('', ...details);
    const s = report.summary;
    out.push('', fmtCounts(report));
    out.push(
      `${paint('bold', 'Verdict:')} ${paint(s.outcome, OUTCOME_WORD[s.outcome])} (exit code ${s.exitCode})`,
    );
    ctx.stdout.write(`${out.join('\n')}\n`);
  },
};
