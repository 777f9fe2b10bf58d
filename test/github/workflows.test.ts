/**
 * action.yml and every workflow under .github/workflows, parsed with `yaml` and checked against small
 * JSON Schemas (the parts of GitHub's syntax we use), then cross-checked: pinned `uses:`, declared
 * inputs, outputs and `steps.X` references naming existing steps, calls of the local action valid.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type ActionFile, expressions, loadYaml, ROOT, type Step } from './composite.js';

const scalar = { type: ['string', 'number', 'boolean'] };
const stringMap = { type: 'object', additionalProperties: scalar };

const stepProps = {
  id: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
  name: { type: 'string', minLength: 1 },
  if: { type: ['string', 'boolean'] },
  uses: { type: 'string', minLength: 1 },
  with: stringMap,
  run: { type: 'string', minLength: 1 },
  shell: { type: 'string', enum: ['bash', 'sh', 'pwsh', 'python'] },
  env: stringMap,
  'working-directory': { type: 'string' },
  'continue-on-error': { type: ['boolean', 'string'] },
  'timeout-minutes': { type: 'number' },
};

/** A step does one thing: `uses` or `run`, never both. */
const oneKind = { oneOf: [{ required: ['uses'] }, { required: ['run'] }] };

const actionSchema = {
  type: 'object',
  required: ['name', 'description', 'inputs', 'outputs', 'runs'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    author: { type: 'string' },
    branding: {
      type: 'object',
      properties: { icon: { type: 'string' }, color: { type: 'string' } },
      additionalProperties: false,
    },
    inputs: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
      additionalProperties: {
        type: 'object',
        required: ['description'],
        additionalProperties: false,
        properties: {
          description: { type: 'string', minLength: 1 },
          required: { type: 'boolean' },
          // Inputs are strings on GitHub; a YAML number default would be coerced, so insist on quotes.
          default: { type: 'string' },
          deprecationMessage: { type: 'string' },
        },
      },
    },
    outputs: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['description', 'value'],
        additionalProperties: false,
        properties: {
          description: { type: 'string', minLength: 1 },
          value: {
            type: 'string',
            pattern: '^\\$\\{\\{ steps\\.[A-Za-z_][\\w-]*\\.outputs\\.[\\w-]+ \\}\\}$',
          },
        },
      },
    },
    runs: {
      type: 'object',
      required: ['using', 'steps'],
      additionalProperties: false,
      properties: {
        // Composite: xaudit depends on native packages (sharp), which a node action cannot bundle.
        using: { const: 'composite' },
        steps: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: stepProps,
            additionalProperties: false,
            // One kind per step, and composite run steps must name their shell.
            oneOf: [{ required: ['uses'] }, { required: ['run', 'shell'] }],
          },
        },
      },
    },
  },
};

const workflowSchema = {
  type: 'object',
  required: ['name', 'on', 'jobs'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    on: { type: ['string', 'array', 'object'] },
    permissions: { type: ['string', 'object'] },
    env: stringMap,
    concurrency: { type: ['string', 'object'] },
    defaults: { type: 'object' },
    jobs: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
      additionalProperties: {
        type: 'object',
        required: ['runs-on', 'steps'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          'runs-on': { type: ['string', 'array'] },
          needs: { type: ['string', 'array'], items: { type: 'string' } },
          if: { type: ['string', 'boolean'] },
          permissions: { type: ['string', 'object'] },
          container: { type: ['string', 'object'] },
          strategy: {
            type: 'object',
            properties: {
              matrix: { type: ['object', 'string'] },
              'fail-fast': { type: ['boolean', 'string'] },
              'max-parallel': { type: ['number', 'string'] },
            },
            additionalProperties: false,
          },
          env: stringMap,
          outputs: stringMap,
          'timeout-minutes': { type: 'number' },
          'continue-on-error': { type: ['boolean', 'string'] },
          steps: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', properties: stepProps, additionalProperties: false, ...oneKind },
          },
        },
      },
    },
  },
};

interface Job {
  'runs-on': string | string[];
  needs?: string | string[];
  strategy?: { matrix?: Record<string, unknown> | string };
  steps: Step[];
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  container?: string | object;
  if?: string;
}
interface Workflow {
  name: string;
  on: string | string[] | Record<string, { paths?: string[]; branches?: string[] } | null>;
  jobs: Record<string, Job>;
}

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
const validAction = ajv.compile(actionSchema);
const validWorkflow = ajv.compile(workflowSchema);
const errorsOf = (v: typeof validAction) => ajv.errorsText(v.errors, { separator: '\n' });

const WORKFLOW_DIR = join(ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** A remote action pinned to a release tag (v4, v4.1.2) or a full commit; local and docker refs are exact already. */
const PINNED = /^(\.\/.*|\.|docker:\/\/.+:[\w.-]+|[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40}))$/;

/** Every string in a parsed YAML value, for finding expressions. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** `steps.<id>` references in the expressions of a value. */
function stepRefs(v: unknown): string[] {
  return strings(v).flatMap((s) =>
    expressions(s).flatMap((e) => [...e.matchAll(/\bsteps\.([\w-]+)\./g)].map((m) => m[1])),
  );
}

/** Each step may only reference steps before it. */
function checkStepOrder(steps: Step[], where: string): void {
  const seen: string[] = [];
  for (const [i, step] of steps.entries()) {
    for (const ref of stepRefs(step)) {
      expect(seen, `${where} step ${step.id ?? i} references steps.${ref}, not an earlier step`).toContain(
        ref,
      );
    }
    if (step.id !== undefined) {
      expect(seen, `${where}: duplicate step id ${step.id}`).not.toContain(step.id);
      seen.push(step.id);
    }
  }
}

describe('action.yml', () => {
  const action = loadYaml('action.yml') as ActionFile;

  it('matches the composite-action schema', () => {
    expect(validAction(action), errorsOf(validAction)).toBe(true);
  });

  it('declares the inputs and outputs of the design', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(
      ['baseline-model', 'fail-on', 'node-version', 'out', 'shard', 'spec', 'working-directory'].sort(),
    );
    expect(action.inputs.spec.required).toBe(true);
    expect(action.inputs['fail-on'].default).toBe('fail');
    expect(action.inputs.out.default).toBe('xaudit-report');
    for (const o of ['status', 'failed-checks', 'report-path'])
      expect(action.outputs[o]?.value).toBe(`\${{ steps.audit.outputs.${o} }}`);
  });

  it('pins every uses: to a version', () => {
    for (const s of action.runs.steps) if (s.uses !== undefined) expect(s.uses).toMatch(PINNED);
  });

  it('references only declared inputs', () => {
    const refs = strings(action).flatMap((s) =>
      expressions(s).flatMap((e) => [...e.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1])),
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(Object.keys(action.inputs), `inputs.${r}`).toContain(r);
    // Every input is used somewhere (else it would be silently ignored).
    for (const name of Object.keys(action.inputs)) expect(refs, name).toContain(name);
  });

  it('takes outputs from existing steps, and steps only from earlier ones', () => {
    const ids = action.runs.steps.map((s) => s.id).filter((id) => id !== undefined);
    for (const ref of stepRefs(action.outputs)) expect(ids).toContain(ref);
    checkStepOrder(action.runs.steps, 'action.yml');
  });

  it('keeps expressions out of run scripts (inputs reach the shell through env, never spliced in)', () => {
    for (const s of action.runs.steps) if (s.run !== undefined) expect(expressions(s.run)).toEqual([]);
  });
});

describe.each(workflowFiles)('.github/workflows/%s', (file) => {
  const wf = loadYaml(join('.github', 'workflows', file)) as Workflow;
  const action = loadYaml('action.yml') as ActionFile;

  it('matches the workflow schema', () => {
    expect(validWorkflow(wf), errorsOf(validWorkflow)).toBe(true);
  });

  it('pins every uses: to a version', () => {
    for (const job of Object.values(wf.jobs))
      for (const s of job.steps) if (s.uses !== undefined) expect(s.uses).toMatch(PINNED);
  });

  it('references existing steps, jobs and matrix keys', () => {
    const jobs = Object.keys(wf.jobs);
    for (const [name, job] of Object.entries(wf.jobs)) {
      checkStepOrder(job.steps, `${file} job ${name}`);
      const ids = job.steps.map((s) => s.id);
      for (const ref of stepRefs(job.outputs ?? {})) expect(ids).toContain(ref);
      const needs = job.needs === undefined ? [] : typeof job.needs === 'string' ? [job.needs] : job.needs;
      for (const n of needs) expect(jobs).toContain(n);
      const exprs = strings(job).flatMap(expressions);
      for (const e of exprs) {
        for (const m of e.matchAll(/\bneeds\.([\w-]+)\./g)) expect(needs, e).toContain(m[1]);
        for (const m of e.matchAll(/\bmatrix\.([\w-]+)/g)) {
          const matrix = job.strategy?.matrix;
          expect(typeof matrix === 'object' && matrix !== null && m[1] in matrix, e).toBe(true);
        }
        // Workflows have no `inputs` unless workflow_dispatch/workflow_call declares them.
        expect(e, `${file}: inputs.* used without a dispatch/call trigger`).not.toMatch(/\binputs\./);
      }
    }
  });

  it('calls the local action with declared inputs, the required ones given, and a spec that exists', () => {
    for (const job of Object.values(wf.jobs)) {
      for (const s of job.steps.filter((x) => x.uses === './')) {
        const given = Object.keys(s.with ?? {});
        for (const k of given) expect(Object.keys(action.inputs), `with.${k}`).toContain(k);
        for (const [k, def] of Object.entries(action.inputs))
          if (def.required === true) expect(given, k).toContain(k);
        const spec = String(s.with?.spec ?? '');
        if (!spec.includes('${{')) expect(existsSync(join(ROOT, spec)), spec).toBe(true);
        const fail = s.with?.['fail-on'];
        if (fail !== undefined) expect(['error', 'fail', 'warn']).toContain(fail);
      }
    }
  });
});

describe('the example workflows', () => {
  it('gate a model pull request and keep the HTML report whatever the outcome', () => {
    const wf = loadYaml('.github/workflows/model-gate.yml') as Workflow;
    const on = wf.on as Record<string, { paths?: string[] }>;
    expect(on.pull_request?.paths).toEqual(['models/**', 'audits/**']);
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@') === true);
    const gate = steps.findIndex((s) => s.uses === './');
    const upload = steps.findIndex((s) => s.uses?.startsWith('actions/upload-artifact@') === true);
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(gate).toBeGreaterThan(checkout);
    expect(upload).toBeGreaterThan(gate);
    // The report is most needed when the gate fails, so the upload must not be skipped then.
    expect(steps[upload].if).toMatch(/always\(\)/);
    expect(String(steps[upload].with?.path)).toBe(`${String(steps[gate].with?.out)}/`);
  });

  it('run CI through .ci/run', () => {
    const wf = loadYaml('.github/workflows/ci.yml') as Workflow;
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    expect(runs).toContain('bash .ci/run');
  });

  it('include the sharded example exactly when the CLI can shard and merge', async () => {
    const canShard = (await runCli(['run', '--help'])).stdout.includes('--shard <');
    const canMerge = /^\s+merge\b/m.test((await runCli(['--help'])).stdout);
    expect(workflowFiles.includes('sharded-audit.yml')).toBe(canShard && canMerge);
  });

  it('shard over a matrix without gating on partial verdicts, then merge and gate', () => {
    if (!workflowFiles.includes('sharded-audit.yml')) return;
    const wf = loadYaml('.github/workflows/sharded-audit.yml') as Workflow;
    const [shardJob, mergeJob] = [wf.jobs.shard, wf.jobs.merge];
    const matrix = shardJob.strategy?.matrix as { shard: number[] };
    expect(matrix.shard.length).toBeGreaterThan(1);
    const n = matrix.shard.length;
    expect(matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const audit = shardJob.steps.find((s) => s.uses === './');
    expect(audit?.with?.shard).toBe(`\${{ matrix.shard }}/${n}`);
    // A shard's verdicts cover its samples only: its job fails on unusable input, the merge gates.
    expect(audit?.with?.['fail-on']).toBe('error');
    const upload = shardJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@') === true);
    expect(upload?.with?.path).toBe(`${String(audit?.with?.out)}/`);
    expect(String(upload?.with?.name)).toMatch(/^xaudit-shard-\$\{\{ matrix\.shard \}\}$/);

    expect(mergeJob.needs).toBe('shard');
    const download = mergeJob.steps.find((s) => s.uses?.startsWith('actions/download-artifact@') === true);
    expect(download?.with?.pattern).toBe('xaudit-shard-*');
    const merge = mergeJob.steps.find((s) => /\bxaudit merge\b/.test(s.run ?? ''));
    expect(merge?.run).toContain(`${String(download?.with?.path)}/*`);
    expect(mergeJob.steps.indexOf(merge as Step)).toBeGreaterThan(mergeJob.steps.indexOf(download as Step));
    const install = mergeJob.steps.find((s) => /\bnpm ci\b/.test(s.run ?? ''));
    expect(install?.env?.ONNXRUNTIME_NODE_INSTALL).toBe('skip');
  });
});
