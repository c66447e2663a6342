// What `offload init` prints, through the built CLI on two corpus projects: what it recognised, what it saw and
// left out (with why), and what to do before AWS (with what to run), under one heading each; `--json` lists
// the same findings with their kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDataDir } from '../helpers/cli';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'init-corpus');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function copyOf(name: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `offload-init-output-${name}-`));
  fs.cpSync(path.join(CORPUS, name), dir, { recursive: true });
  const data = tempDataDir();
  cleanup.push(dir, data);
  return { dir, env: { OFFLOAD_HOME: data } };
}

/** The lines under each heading of init's output (a heading ends with ':' and is not indented). */
function groups(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (/^\S.*:$/.test(line)) out[line.slice(0, -1)] = current = [];
    else if (line.startsWith('   - ') && current) current.push(line.slice(5));
    else current = undefined;
  }
  return out;
}

const TODO_STEPS = [
  'aws-deploy: deploy to AWS here, then edit phases.aws-deploy in offload.yml',
  'aws-test: check the deployed service, then edit phases.aws-test in offload.yml',
  'monitor: give the name prefix (or names) of your CloudWatch alarms and aws: credentials, then edit phases.monitor in offload.yml',
];

describe('offload init says what it recognised, what it left out and what is left to do', () => {
  it('Terraform for AWS and for Google Cloud: one used, one seen but not used, the TODO steps to fill in', async () => {
    const { dir, env } = copyOf('terraform-gcp');
    const r = await runCli(['init'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(groups(r.stdout)).toEqual({
      Recognised: [
        expect.stringMatching(
          /^Terraform \(\*\.tf in aws\/\): (format checked locally|terraform is not installed here); plan and apply in aws-prepare$/,
        ),
      ],
      'Seen but not used (why)': [
        'Terraform (*.tf in gcp/): Google Cloud provider, not AWS: not put in the AWS phases',
      ],
      'To do before AWS (what to run)': TODO_STEPS,
    });
    expect(r.stdout).not.toContain('found:');

    const json = await runCli(['init', '--force', '--json'], { cwd: dir, env });
    expect(json.code, json.stderr).toBe(0);
    const { findings } = JSON.parse(json.stdout) as {
      findings: { kind: string; text: string; step?: string }[];
    };
    expect(findings.map((f) => f.kind)).toEqual(['seen-not-used', 'recognised', 'todo', 'todo', 'todo']);
    expect(findings.slice(2).map((f) => f.step)).toEqual([
      'TODO: deploy to AWS',
      'TODO: check the deployed service',
      'TODO: CloudWatch alarms stay quiet',
    ]);
  });

  it('a RAG app with only .env.example: the switch is recognised and creating .env is a to-do', async () => {
    const { dir, env } = copyOf('ollama-rag');
    const r = await runCli(['init'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const g = groups(r.stdout);
    expect(Object.keys(g)).toEqual(['Recognised', 'To do before AWS (what to run)']);
    expect(g.Recognised).toContainEqual(
      expect.stringMatching(/^\.env: OLLAMA_BASE_URL -> Ollama; switched to AWS at shutdown/),
    );
    expect(g['To do before AWS (what to run)']).toEqual([
      '.env is not there yet (the switch reads it): cp .env.example .env',
      ...TODO_STEPS,
    ]);
    expect(r.stdout).toMatch(/^Next: `offload run local`; then do the to-dos above/m);
  });
});
