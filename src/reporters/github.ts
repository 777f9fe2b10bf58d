import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as core from '@actions/core';
import type { CheckReport, Report } from '../audit/report.js';
import { baselineNote, fmtCounts, fmtNum, headline, OUTCOME_WORD, scopeNote } from './_render/format.js';
import type { Reporter } from './types.js';

export interface GithubOptions {
  annotations: number;
  summary: boolean;
}

/** GitHub rejects a step summary over 1 MiB; keep a margin for what other steps appended. */
const SUMMARY_CAP_BYTES = 1024 * 1024 - 16 * 1024;

/** GitHub shows at most 50 annotations per job; the steps of one job share RUNNER_TEMP, so the count lives there. */
export const JOB_ANNOTATION_CAP = 50;
const COUNT_FILE = 'xaudit-annotations.count';

/** Annotations this job may still show, and a way to record those emitted (no RUNNER_TEMP: per-step cap only). */
function jobBudget(env: NodeJS.ProcessEnv): { left: number; spend(n: number): void } {
  const dir = env.RUNNER_TEMP;
  if (dir === undefined || dir === '') return { left: JOB_ANNOTATION_CAP, spend() {} };
  const file = join(dir, COUNT_FILE);
  let used = 0;
  try {
    used = Number.parseInt(readFileSync(file, 'utf8'), 10) || 0;
  } catch {
    // First xaudit step of this job.
  }
  return {
    left: Math.max(0, JOB_ANNOTATION_CAP - used),
    spend(n) {
      try {
        writeFileSync(file, String(used + n));
      } catch {
        // An unwritable RUNNER_TEMP only loses the job-wide count.
      }
    },
  };
}

const ICON = { pass: '✅', fail: '❌', warn: '⚠️', error: '💥' } as const;

/** A markdown table cell: pipes and newlines would break the row; GitHub renders inline HTML, so escape it. */
const cell = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

function row(c: CheckReport): string {
  const h = headline(c);
  const value = h === null ? '' : `${h.statistic} ${fmtNum(h.value)}`;
  const thr = h === null ? '' : `${h.op} ${fmtNum(h.threshold)}`;
  const vs = baselineNote(c);
  return `| \`${cell(c.id)}\` | ${ICON[c.outcome]} ${OUTCOME_WORD[c.outcome]} | ${cell(value)} | ${cell(thr)} | ${cell(c.message)}${vs === null ? '' : ` (${cell(vs)})`} |`;
}

/** The job summary as markdown, rows dropped from the end (with a note) if it would pass the cap. */
export function summaryMarkdown(report: Report, capBytes = SUMMARY_CAP_BYTES): string {
  const s = report.summary;
  const head = [
    `## ${ICON[s.outcome]} xaudit: ${cell(report.spec.name)} — ${OUTCOME_WORD[s.outcome]}`,
    '',
    `${fmtCounts(report)}. Model \`${cell(report.model.path)}\` (${cell(report.model.format)}, ${cell(report.model.engine)}), seed ${report.seed}.${report.baseline === undefined ? '' : ` Compared with the baseline ${report.baseline.kind} \`${cell(report.baseline.path)}\`.`}`,
    '',
    ...(scopeNote(report) === null ? [] : [`> **${cell(scopeNote(report) as string)}**`, '']),
    '| Check | Outcome | Value | Threshold | Message |',
    '| --- | --- | --- | --- | --- |',
  ].join('\n');
  const rows = report.checks.map(row);
  const bytes = (t: string) => Buffer.byteLength(t, 'utf8');
  let used = bytes(head) + 200;
  let kept = 0;
  for (const r of rows) {
    if (used + bytes(r) + 1 > capBytes) break;
    used += bytes(r) + 1;
    kept++;
  }
  const omitted = rows.length - kept;
  const note =
    omitted > 0
      ? `\n\n_${omitted} more check(s) omitted to stay under GitHub's 1 MiB summary limit; see report.json._`
      : '';
  return `${head}\n${rows.slice(0, kept).join('\n')}${note}\n`;
}

/**
 * GitHub places an annotation by its path from the repository root, but the spec path is relative
 * to where xaudit ran (the action's working-directory may be a subfolder): rebase it on the workspace.
 */
export function annotationFile(specPath: string, workspace: string | undefined): string {
  if (workspace === undefined || workspace === '') return specPath;
  const rel = relative(resolve(workspace), resolve(specPath));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return specPath;
  return rel.split(sep).join('/');
}

export const githubReporter: Reporter<GithubOptions> = {
  id: 'github',
  title: 'GitHub Actions',
  summary:
    'On GitHub Actions: a job summary table, annotations on the spec lines of failing checks, and step outputs status, failed-checks and report-path.',
  references: ['https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands'],
  schema: {
    type: 'object',
    properties: {
      // GitHub shows at most 10 error annotations per step; more are dropped silently.
      annotations: { type: 'integer', minimum: 0, maximum: 10 },
      summary: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  defaults: { annotations: 10, summary: true },
  optionDocs: {
    annotations:
      'Most error (and, separately, warning) annotations to emit; GitHub shows at most 10 per step. Steps of one job share a budget of 50 (counted in $RUNNER_TEMP).',
    summary: 'Whether to append the table of checks to the job summary ($GITHUB_STEP_SUMMARY).',
  },
  async write(report, _artifacts, ctx, opts) {
    if (ctx.env.GITHUB_ACTIONS !== 'true') return;
    // @actions/core writes workflow commands to process.stdout and reads
    // GITHUB_STEP_SUMMARY / GITHUB_OUTPUT from process.env, not from ctx.
    const file = annotationFile(ctx.specPath, ctx.env.GITHUB_WORKSPACE);
    const at = (c: CheckReport): core.AnnotationProperties => ({
      // Property values escape ':' as %3A, so the title avoids it.
      title: `xaudit ${c.id} ${c.outcome === 'error' ? 'errored' : c.outcome === 'warn' ? 'warned' : 'failed'}`,
      file,
      ...(c.location === null ? {} : { startLine: c.location.line, startColumn: c.location.col }),
    });
    const bad = report.checks.filter((c) => c.outcome === 'fail' || c.outcome === 'error');
    const warned = report.checks.filter((c) => c.outcome === 'warn');
    const budget = jobBudget(ctx.env);
    let left = budget.left;
    const take = <T>(xs: T[]) => {
      const n = Math.min(xs.length, opts.annotations, left);
      left -= n;
      return xs.slice(0, n);
    };
    if (report.shard === undefined) {
      for (const c of take(bad)) core.error(c.message, at(c));
      for (const c of take(warned)) core.warning(c.message, at(c));
    } else {
      // A shard's verdicts are partial: n matrix jobs annotating them would bury the merged
      // verdict under duplicates. `xaudit merge` annotates the whole audit.
      for (const note of take([scopeNote(report) ?? 'partial results of one shard'])) {
        core.notice(note, { title: 'xaudit shard', file });
      }
    }
    budget.spend(budget.left - left);

    if (opts.summary && (process.env.GITHUB_STEP_SUMMARY ?? '') !== '') {
      await core.summary.addRaw(summaryMarkdown(report)).write();
    }
    // Without GITHUB_OUTPUT, core would print the deprecated ::set-output command instead.
    if ((process.env.GITHUB_OUTPUT ?? '') === '') return;
    const status = report.summary.outcome === 'warn' ? 'pass' : report.summary.outcome;
    core.setOutput('status', status);
    core.setOutput('failed-checks', bad.map((c) => c.id).join(','));
    const reportPath = resolve(join(ctx.outDir, 'report.json'));
    core.setOutput('report-path', existsSync(reportPath) ? reportPath : '');
  },
};
