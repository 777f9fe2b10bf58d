/**
 * A small runner for the shell steps of action.yml, close enough to GitHub's for the action's own
 * logic: `${{ }}` expressions in env / working-directory (inputs, earlier steps' outputs), a fresh
 * GITHUB_OUTPUT file per step, `bash --noprofile --norc -eo pipefail` like `shell: bash`, and a
 * failing step skipping the rest. `uses:` steps (setup-node) are not run; tests skip them.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  run?: string;
  shell?: string;
  env?: Record<string, string | number | boolean>;
  'working-directory'?: string;
  'continue-on-error'?: boolean | string;
}

export interface ActionFile {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: 'composite'; steps: Step[] };
}

export function loadYaml(path: string): unknown {
  return parse(readFileSync(resolve(ROOT, path), 'utf8'));
}

/** Contents of every `${{ ... }}` in a string. */
export function expressions(s: string): string[] {
  return [...s.matchAll(/\$\{\{\s*([\s\S]*?)\s*\}\}/g)].map((m) => m[1]);
}

interface Scope {
  inputs: Record<string, string>;
  steps: Record<string, Record<string, string>>;
  actionPath: string;
}

/** Evaluates the expression forms the action uses; anything else is an error, not an empty string. */
function evaluate(template: string, scope: Scope): string {
  return template.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_m, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m !== null) {
      if (!(m[1] in scope.inputs)) throw new Error(`undeclared input in \${{ ${expr} }}`);
      return scope.inputs[m[1]];
    }
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m !== null) return scope.steps[m[1]]?.[m[2]] ?? '';
    if (expr === 'github.action_path') return scope.actionPath;
    throw new Error(`the test runner cannot evaluate \${{ ${expr} }}`);
  });
}

/** GITHUB_OUTPUT holds `name=value` lines and `name<<DELIM ... DELIM` blocks (what @actions/core writes). */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(\S+)$/.exec(lines[i]);
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`unterminated ${heredoc[1]}<<${heredoc[2]} in GITHUB_OUTPUT`);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = lines[i].indexOf('=');
    if (eq > 0) out[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
  }
  return out;
}

export interface StepResult {
  id: string;
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

export interface RunOptions {
  inputs: Record<string, string>;
  /** The workspace: working-directory is relative to it. */
  workspace: string;
  /** Ids (or names) of the steps to run; others are skipped (their outputs may be given in `outputs`). */
  only: string[];
  /** Preset outputs of skipped steps, by step id. */
  outputs?: Record<string, Record<string, string>>;
  /** Extra environment (PATH tweaks, fakes). */
  env?: NodeJS.ProcessEnv;
  /** GITHUB_ACTION_PATH; the repository root by default. */
  actionPath?: string;
}

export interface RunResult {
  steps: StepResult[];
  /** The action's outputs, evaluated after the steps. */
  outputs: Record<string, string>;
  /** Exit code of the first failing step, else 0 (a composite action fails with its first failing step). */
  code: number;
  summary: string;
}

function sh(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Omit<StepResult, 'id' | 'outputs'>> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** Inputs with the action's defaults filled in; a missing required input is an error, as on GitHub. */
export function withDefaults(action: ActionFile, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(action.inputs)) {
    const v = given[name] ?? def.default ?? '';
    if (def.required === true && v === '') throw new Error(`input '${name}' is required`);
    out[name] = v;
  }
  for (const name of Object.keys(given))
    if (!(name in action.inputs)) throw new Error(`'${name}' is not an input of the action`);
  return out;
}

export async function runAction(action: ActionFile, o: RunOptions): Promise<RunResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'xaudit-action-'));
  const summaryFile = join(tmp, 'step-summary.md');
  await writeFile(summaryFile, '');
  const scope: Scope = {
    inputs: withDefaults(action, o.inputs),
    steps: { ...(o.outputs ?? {}) },
    actionPath: o.actionPath ?? ROOT,
  };
  // The runner's own GitHub variables must not leak into the steps under test.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_')));
  const steps: StepResult[] = [];
  let code = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    const id = step.id ?? `__${i}`;
    if (!o.only.includes(id) && !(step.name !== undefined && o.only.includes(step.name))) continue;
    if (step.run === undefined)
      throw new Error(`step ${id} is a 'uses:' step; the runner only runs shell steps`);
    const outputFile = join(tmp, `output-${i}`);
    await writeFile(outputFile, '');
    const script = join(tmp, `step-${i}.sh`);
    await writeFile(script, step.run);
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), scope)]),
    );
    const cwd = resolve(o.workspace, evaluate(step['working-directory'] ?? '.', scope));
    const r = await sh(script, cwd, {
      ...base,
      ...o.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_ACTION_PATH: scope.actionPath,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...stepEnv,
    });
    const outputs = parseGithubOutput(await readFile(outputFile, 'utf8'));
    scope.steps[id] = outputs;
    steps.push({ id, ...r, outputs });
    if (r.code !== 0) {
      code = r.code;
      break;
    }
  }
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([k, v]) => [k, evaluate(v.value, scope)]),
  );
  return { steps, outputs, code, summary: await readFile(summaryFile, 'utf8') };
}
