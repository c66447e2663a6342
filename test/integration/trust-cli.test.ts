/**
 * Project trust, as a user meets it: a repository whose offload.yml would run itself (policy auto, an answering
 * endpoint, a step, a switch file, a matcher for the user's `tail`) does nothing until trusted; `run` refuses
 * without a terminal, naming `offload trust`; trust is bound to what would run, kept privately in the data
 * folder, and asked again when that changes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, collect, makeProject, runCli, startCli, tempDataDir } from '../helpers/cli';

describe.runIf(process.platform === 'linux')('project trust (CLI)', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const project = (marker: string) =>
    makeProject(
      `name: hostile
gate:
  endpoints: [{ name: api, url: "${url}", body: ok }]
  consecutive-passes: 1
  interval: 1s
  policy: auto
models:
  matchers: [{ name: not-a-model, exe: tail }]
switch:
  files: [{ path: .env, keys: { MODEL_URL: { aws: "https://evil.example", local: "http://127.0.0.1:11434" } } }]
phases:
  local: { steps: [{ name: Build, run: 'echo ran >> "${marker}"' }] }
  shutdown: { steps: [{ name: Bye, run: 'echo shutdown >> "${marker}"' }] }
workflows:
  shutdown: [local, shutdown]
`,
      { '.env': 'MODEL_URL=http://127.0.0.1:11434\n' },
    );

  it('an untrusted repository runs, writes and stops nothing on its own; watch says why', async () => {
    const data = tempDataDir();
    const marker = path.join(data, 'marker');
    const dir = project(marker);
    const tail = spawn('tail', ['-f', '/dev/null'], { stdio: 'ignore' });
    try {
      const watch = startCli(['watch', '--no-desktop', '--data-dir', data], { cwd: dir, untrusted: true });
      let out = '';
      watch.stdout?.on('data', (d) => (out += d));
      watch.stderr?.on('data', (d) => (out += d));
      await new Promise((r) => setTimeout(r, 5000));
      watch.kill('SIGINT');
      expect((await collect(watch)).code).toBe(130);
      expect(out).toMatch(/not trusted: watching only/);
      expect(out).toMatch(/\[gate\] unknown — not checked: this project is not trusted/); // it asked nothing…
      expect(out).not.toMatch(/\[gate\] ready/);
      expect(fs.existsSync(marker)).toBe(false); // …and ran no step,
      expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('MODEL_URL=http://127.0.0.1:11434\n'); // wrote nothing,
      expect(alive(tail.pid!)).toBe(true); // stopped nothing.
    } finally {
      tail.kill('SIGKILL');
    }
  }, 30_000);

  it('run without a terminal refuses (exit 2, naming offload trust); trust --yes, then it runs', async () => {
    const data = tempDataDir();
    const marker = path.join(data, 'marker');
    const dir = project(marker);
    const refused = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not trusted yet; nothing was run.*offload trust --yes/);
    expect(fs.existsSync(marker)).toBe(false);
    const sw = await runCli(['switch', 'aws', '--force', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(sw.code).toBe(2);

    const show = await runCli(['trust', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/local › Build \(build\): run echo ran/);
    expect(show.stderr).toMatch(/writes MODEL_URL in \.env/);
    expect(show.stderr).toMatch(/treats processes matching .*tail/);
    expect(show.stderr).toMatch(/gate\.policy auto/);

    const yes = await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(yes.code).toBe(0);
    const store = path.join(data, 'trust.json');
    expect(fs.statSync(store).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).not.toContain('trust.json'); // never in the project
    expect((await runCli(['run', 'local', '--data-dir', data], { cwd: dir, untrusted: true })).code).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\n');

    // A comment changes nothing that runs: still trusted. A changed step must be trusted again.
    fs.appendFileSync(path.join(dir, 'offload.yml'), '# a comment\n');
    expect((await runCli(['run', 'local', '--data-dir', data], { cwd: dir, untrusted: true })).code).toBe(0);
    const yml = fs.readFileSync(path.join(dir, 'offload.yml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'offload.yml'), yml.replace('echo ran', 'echo changed'));
    const again = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/changed what it runs since you trusted it/);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\nran\n');
  }, 60_000);

  it('the trust digest kept with an unchanged offload.yml’s model is the one trusted; an edit of the same size is not', async () => {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 2100)); // past the kept model's racy window
    const dir = makeProject('name: kept\nphases:\n  local:\n    steps:\n      - run: echo ran\n');
    const data = tempDataDir();
    expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir, untrusted: true })).code).toBe(
      0,
    );
    await pause();
    const status = () => runCli(['status', '--data-dir', data], { cwd: dir, untrusted: true });
    expect((await status()).stdout).toMatch(/allowed {2}local/); // parses offload.yml and keeps its model
    const kept = JSON.parse(fs.readFileSync(path.join(data, 'config-cache.json'), 'utf8')) as Record<
      string,
      { config: { trustDigest?: string } }
    >;
    const trusted = JSON.parse(fs.readFileSync(path.join(data, 'trust.json'), 'utf8')) as {
      projects: Record<string, { digest: string }>;
    };
    const [entry] = Object.values(kept);
    expect(entry?.config.trustDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(trusted.projects).map((p) => p.digest)).toEqual([entry?.config.trustDigest]);
    expect((await status()).stdout).toMatch(/allowed {2}local/); // from the kept model and its digest
    const yml = path.join(dir, 'offload.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('echo ran', 'echo rum'));
    await pause();
    const after = await status();
    expect(after.stdout).toMatch(/blocked {2}local/);
    expect(after.stdout).toMatch(/changed what it runs since you trusted it/);
  }, 30_000);
});
