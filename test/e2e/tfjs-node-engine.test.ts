/**
 * `--engine tfjs-node` through the built CLI, in a fresh process: with the tfjs-node stand-in
 * loaded by a resolve hook (test/models/helpers/fake-tfjs-node), with a stand-in that registered
 * its backend with a tfjs-core of its own, and with no tfjs-node at all.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const register = resolve('test/models/helpers/fake-tfjs-node/register.mjs');

function xaudit(env: NodeJS.ProcessEnv = {}) {
  const out = join(mkdtempSync(join(tmpdir(), 'xaudit-tfjs-node-')), 'out');
  const args = [
    '--import',
    register,
    'bin/xaudit.js',
    'run',
    'audits/wolf-snow-biased.yaml',
    '--only',
    'accuracy',
    '--engine',
    'tfjs-node',
    '--no-cache',
    '--out',
    out,
    '-q',
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, CI: '', ...env } });
  return { code: r.status, stderr: r.stderr, out };
}

describe('xaudit run --engine tfjs-node', () => {
  it('runs the audit on the tfjs-node backend and names it in the report', () => {
    const r = xaudit();
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(r.out, 'report.json'), 'utf8'));
    expect(report.model.engine).toBe('tfjs-node@0.0.0-simulated');
  });

  it('exits 2 with the version to install when tfjs-node is built on another tfjs-core', () => {
    const r = xaudit({ XAUDIT_FAKE_TFJS_NODE: 'other-core' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is built on @tensorflow/tfjs-core@3.21.0');
    expect(r.stderr).toContain(`install @tensorflow/tfjs-node@${tf.version_core}`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    expect(existsSync(join(r.out, 'report.json'))).toBe(false);
  });

  it('exits 2 saying how to install it when it is not installed', () => {
    const r = xaudit({ XAUDIT_FAKE_TFJS_NODE: 'missing' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('@tensorflow/tfjs-node is not installed');
  });
});
