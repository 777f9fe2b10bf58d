/**
 * Runs the shell steps of action.yml as GitHub would (see composite.ts): the real CLI on the demo
 * audit for the outputs, annotations and job summary; a fake CLI for argument passing; a fake npm
 * for the install step's choices; and the gate's mapping of exit codes per fail-on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionFile, loadYaml, ROOT, type RunResult, runAction } from './composite.js';

const action = loadYaml('action.yml') as ActionFile;
const REAL_BIN = `node ${join(ROOT, 'bin', 'xaudit.js')}`;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'xaudit-action-test-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** The spec line of `- id: <id>`, where the annotation must point. */
function specLine(spec: string, id: string): number {
  const lines = readFileSync(join(ROOT, spec), 'utf8').split('\n');
  return lines.findIndex((l) => l.trim() === `- id: ${id}`) + 1;
}

describe('action.yml with the real CLI', () => {
  let biased: RunResult;
  let out: string;
  beforeAll(async () => {
    out = join(tmp, 'biased');
    // From a subfolder, so annotations must be rebased on the workspace.
    biased = await runAction(action, {
      inputs: { spec: 'wolf-snow-biased.yaml', out, 'working-directory': 'audits' },
      workspace: ROOT,
      only: ['audit', 'gate'],
      outputs: { install: { bin: REAL_BIN } },
    });
  });

  it('sets status, failed-checks, report-path and exit-code from the github reporter', () => {
    const audit = biased.steps.find((s) => s.id === 'audit');
    expect(audit?.code, audit?.stderr).toBe(0);
    expect(biased.outputs).toEqual({
      status: 'fail',
      'failed-checks': 'evidence-on-animal,no-snow-shortcut,points-at-animal,little-evidence-on-background',
      'report-path': join(out, 'report.json'),
      'exit-code': '1',
    });
    for (const f of ['report.json', 'report.html', 'junit.xml'])
      expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('annotates the failing checks on their spec lines, from the repository root', () => {
    const stdout = biased.steps.find((s) => s.id === 'audit')?.stdout ?? '';
    for (const id of ['evidence-on-animal', 'no-snow-shortcut']) {
      const line = specLine('audits/wolf-snow-biased.yaml', id);
      expect(line).toBeGreaterThan(0);
      expect(stdout).toContain(
        `::error title=xaudit ${id} failed,file=audits/wolf-snow-biased.yaml,line=${line},col=5::`,
      );
    }
  });

  it('writes the job summary table', () => {
    expect(biased.summary).toContain('xaudit: wolf-vs-husky gate (biased model) — FAIL');
    expect(biased.summary).toContain('| `evidence-on-animal` | ❌ FAIL |');
    expect(biased.summary).toContain('| `accuracy` | ✅ PASS |');
  });

  it('fails the step under fail-on: fail (the default), naming the failed checks', () => {
    const gate = biased.steps.find((s) => s.id === 'gate');
    expect(biased.code).toBe(1);
    expect(gate?.stdout).toContain(
      '::error title=xaudit::checks failed: evidence-on-animal,no-snow-shortcut',
    );
  });

  it('lets the same run pass under fail-on: error', async () => {
    const audit = biased.steps.find((s) => s.id === 'audit');
    const r = await runAction(action, {
      inputs: { spec: 'wolf-snow-biased.yaml', 'fail-on': 'error' },
      workspace: ROOT,
      only: ['gate'],
      outputs: { audit: audit?.outputs ?? {} },
    });
    expect(r.code).toBe(0);
    expect(r.steps[0].stdout).toContain("fail-on is 'error': not failing the step");
  });

  it('passes shard to the CLI, which has --shard now, and gates nothing on a shard under fail-on: error', async () => {
    const out = join(tmp, 'shard');
    const r = await runAction(action, {
      inputs: { spec: 'audits/wolf-snow-biased.yaml', out, shard: '2/2', 'fail-on': 'error' },
      workspace: ROOT,
      only: ['audit', 'gate'],
      outputs: { install: { bin: REAL_BIN } },
    });
    const audit = r.steps.find((s) => s.id === 'audit');
    expect(audit?.stdout).toContain(`xaudit run audits/wolf-snow-biased.yaml --out ${out} --shard 2/2`);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { shard?: object };
    expect(report.shard).toMatchObject({ index: 2, count: 2 });
    expect(['0', '1']).toContain(r.outputs['exit-code']);
    expect(audit?.stdout).toMatch(/^::notice title=xaudit shard,/m);
    expect(audit?.stdout).not.toMatch(/^::error title=xaudit [\w-]+ failed/m);
    expect(r.code).toBe(0);
  });

  it('reports status error with exit code 2 when the spec is unusable (no report)', async () => {
    const r = await runAction(action, {
      inputs: { spec: 'audits/no-such-spec.yaml', out: join(tmp, 'missing') },
      workspace: ROOT,
      only: ['audit', 'gate'],
      outputs: { install: { bin: REAL_BIN } },
    });
    expect(r.outputs).toEqual({ status: 'error', 'failed-checks': '', 'report-path': '', 'exit-code': '2' });
    expect(r.code).toBe(2);
    expect(r.steps[0].stderr).toContain('no-such-spec.yaml');
  });
});

describe('action.yml arguments (fake CLI)', () => {
  let fake: string;
  beforeAll(async () => {
    fake = join(tmp, 'fake-xaudit');
    // Prints a help text with or without the optional flags and records its arguments.
    await writeFile(
      fake,
      `#!/usr/bin/env bash
if [ "$1" = --version ]; then echo 0.0.0-fake; exit 0; fi
if [ "$1" = run ] && [ "$2" = --help ]; then
  echo "Usage: xaudit run [options] <spec>"
  echo "  -o, --out <dir>  write reports here"
  if [ "\${FAKE_SHARD:-}" = 1 ]; then echo "  --shard <i/n>  run one shard"; fi
  if [ "\${FAKE_BASELINE:-}" = 1 ]; then echo "  --baseline-model <path>  compare with this model"; fi
  exit 0
fi
printf '%s\\n' "$@" > "$FAKE_ARGS"
exit "\${FAKE_EXIT:-0}"
`,
    );
    await chmod(fake, 0o755);
  });

  async function run(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
    const argsFile = join(tmp, `args-${Math.random().toString(36).slice(2)}`);
    const r = await runAction(action, {
      inputs: { spec: 'audits/x.yaml', ...inputs },
      workspace: tmp,
      only: ['audit', 'gate'],
      outputs: { install: { bin: fake } },
      env: { FAKE_ARGS: argsFile, ...env },
    });
    const args = existsSync(argsFile) ? (await readFile(argsFile, 'utf8')).trimEnd().split('\n') : null;
    return { ...r, args };
  }

  it('runs `xaudit run SPEC --out DIR` by default', async () => {
    const r = await run({});
    expect(r.args).toEqual(['run', 'audits/x.yaml', '--out', 'xaudit-report']);
  });

  it('refuses shard and baseline-model when the CLI lacks them, before running anything', async () => {
    const shard = await run({ shard: '2/4' });
    expect(shard.code).toBe(2);
    expect(shard.args).toBeNull();
    expect(shard.steps[0].stdout).toContain(
      "::error title=xaudit action::input 'shard' is set, but this xaudit (0.0.0-fake) has no 'xaudit run --shard'",
    );
    const base = await run({ 'baseline-model': 'models/main/model.json' });
    expect(base.code).toBe(2);
    expect(base.args).toBeNull();
    expect(base.steps[0].stdout).toContain("input 'baseline-model' is set");
  });

  it('passes shard and baseline-model through when the CLI has them', async () => {
    const r = await run(
      { shard: '2/4', 'baseline-model': 'models/main/model.json', out: 'o' },
      { FAKE_SHARD: '1', FAKE_BASELINE: '1' },
    );
    expect(r.args).toEqual([
      'run',
      'audits/x.yaml',
      '--out',
      'o',
      '--shard',
      '2/4',
      '--baseline-model',
      'models/main/model.json',
    ]);
  });

  it('rejects an unknown fail-on', async () => {
    const r = await run({ 'fail-on': 'sometimes' });
    expect(r.code).toBe(2);
    expect(r.steps[0].stdout).toContain("fail-on must be error, fail or warn, not 'sometimes'");
  });

  it('omits --out when out is empty', async () => {
    expect((await run({ out: '' })).args).toEqual(['run', 'audits/x.yaml']);
  });
});

describe('the gate maps exit codes per fail-on', () => {
  let warned: string;
  let clean: string;
  beforeAll(async () => {
    warned = join(tmp, 'warned.json');
    clean = join(tmp, 'clean.json');
    const report = (outcome: string) => ({
      summary: { outcome },
      checks: [
        { id: 'a', outcome: 'pass' },
        { id: 'b', outcome },
      ],
    });
    await writeFile(warned, JSON.stringify(report('warn')));
    await writeFile(clean, JSON.stringify(report('pass')));
  });

  // [exit code, report, expected step exit for fail-on error, fail, warn]
  const table: [string, 'warned' | 'clean' | 'none', number, number, number][] = [
    ['0', 'clean', 0, 0, 0],
    ['0', 'warned', 0, 0, 1],
    ['0', 'none', 0, 0, 2], // fail-on warn without a report cannot see the warnings: refuse
    ['1', 'clean', 0, 1, 1],
    ['2', 'none', 2, 2, 2],
    ['130', 'none', 130, 130, 130],
    ['', 'none', 2, 2, 2],
  ];
  for (const [exit, rep, ...expected] of table) {
    it(`exit ${exit || '(none)'} with a ${rep} report -> ${expected.join('/')}`, async () => {
      const codes: number[] = [];
      for (const failOn of ['error', 'fail', 'warn']) {
        const r = await runAction(action, {
          inputs: { spec: 's.yaml', 'fail-on': failOn },
          workspace: tmp,
          only: ['gate'],
          outputs: {
            audit: {
              'exit-code': exit,
              'report-path': rep === 'none' ? '' : rep === 'warned' ? warned : clean,
              'failed-checks': exit === '1' ? 'b' : '',
            },
          },
        });
        codes.push(r.code);
        if (r.code !== 0) expect(r.steps[0].stdout).toMatch(/^::error title=xaudit::/m);
      }
      expect(codes).toEqual(expected);
    });
  }
});

describe('the install step', () => {
  let npmLog: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    // A fake npm first on PATH: logs where and how it ran instead of installing.
    const bin = join(tmp, 'fake-npm-bin');
    await mkdir(bin, { recursive: true });
    npmLog = join(tmp, 'npm.log');
    await writeFile(
      join(bin, 'npm'),
      '#!/usr/bin/env bash\necho "npm $* in $PWD (ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL)" >> "$NPM_LOG"\n',
    );
    await chmod(join(bin, 'npm'), 0o755);
    env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, NPM_LOG: npmLog };
  });

  async function install(files: Record<string, string>) {
    const ws = await mkdtemp(join(tmp, 'ws-'));
    const actionPath = await mkdtemp(join(tmp, 'action-'));
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(ws, name, '..'), { recursive: true });
      await writeFile(join(ws, name), text, { mode: 0o755 });
    }
    await writeFile(npmLog, '');
    const r = await runAction(action, {
      inputs: { spec: 's.yaml' },
      workspace: ws,
      only: ['install'],
      env,
      actionPath,
    });
    expect(r.code, r.steps[0]?.stderr).toBe(0);
    const log = (await readFile(npmLog, 'utf8')).trim().split('\n').filter(Boolean);
    return { bin: r.steps[0].outputs.bin, log, ws, actionPath };
  }

  it("uses the caller's xaudit when its lockfile installs it", async () => {
    const r = await install({
      'package.json': '{"name": "app"}',
      'package-lock.json': '{}',
      'node_modules/.bin/xaudit': '#!/bin/sh\n',
    });
    expect(r.bin).toBe('npx --no-install xaudit');
    expect(r.log).toEqual([`npm ci --no-audit --no-fund in ${r.ws} (ONNXRUNTIME_NODE_INSTALL=skip)`]);
  });

  it('uses xaudit itself when run in its own repository', async () => {
    const r = await install({ 'package.json': '{"name": "xaudit"}', 'package-lock.json': '{}' });
    expect(r.bin).toBe('npx --no-install xaudit');
    expect(r.log).toHaveLength(1);
  });

  it("installs the action's own copy otherwise", async () => {
    const r = await install({ 'package.json': '{"name": "app"}' });
    expect(r.bin).toBe(`node ${r.actionPath}/bin/xaudit.js`);
    expect(r.log).toEqual([`npm ci --no-audit --no-fund in ${r.actionPath} (ONNXRUNTIME_NODE_INSTALL=skip)`]);
  });
});
