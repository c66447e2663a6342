// The engine end to end: real step processes, real files, real git repos, real history on disk.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, cleanupTemp, harness, makeProject, readAll, waitFor } from '../fixtures/engine/project';

const pidsToKill: number[] = [];
afterAll(() => {
  for (const p of pidsToKill) if (alive(p)) process.kill(p, 'SIGKILL');
  cleanupTemp();
});

const MULTI = `name: multi
phases:
  local:
    steps:
      - id: build
        name: Build
        run: |
          mkdir -p out && echo built > out/build.txt
          echo "version=1.2.3" >> "$OFFLOAD_OUTPUT"
          echo "notes<<EOF" >> "$OFFLOAD_OUTPUT"
          echo "line one" >> "$OFFLOAD_OUTPUT"
          echo "line two" >> "$OFFLOAD_OUTPUT"
          echo "EOF" >> "$OFFLOAD_OUTPUT"
      - name: Test
        run: echo "testing \${{ steps.build.outputs.version }} in $OFFLOAD_PHASE of $OFFLOAD_RUN_ID" > out/test.txt
  aws-test:
    steps:
      - name: Uses notes
        run: printf '%s' "\${{ steps.build.outputs.notes }}" > out/notes.txt
  shutdown:
    steps:
      - name: Never
        run: touch out/shutdown-ran
workflows:
  check: [local, aws-test]
  fails-early: [local, aws-test]
`;

describe('engine runs', () => {
  it('runs a multi-phase workflow to ✅ with outputs flowing between steps and phases', async () => {
    const dir = makeProject(MULTI);
    const h = harness(dir);
    const summary = await h.engine.run('check');
    expect(summary.status).toBe('passed');
    const run = h.history.readRun(summary.runId);
    expect(run?.phases.map((p) => [p.id, p.status])).toEqual([
      ['local', 'passed'],
      ['aws-test', 'passed'],
    ]);
    expect(fs.readFileSync(path.join(dir, 'out/test.txt'), 'utf8')).toBe(
      `testing 1.2.3 in local of ${summary.runId}\n`,
    );
    expect(fs.readFileSync(path.join(dir, 'out/notes.txt'), 'utf8')).toBe('line one\nline two');
    expect(fs.existsSync(path.join(dir, 'out/shutdown-ran'))).toBe(false);
    // Every transition was an event, in order; persisted ones are in events.jsonl too.
    const types = h.events.filter((e) => e.type !== 'output').map((e) => e.type);
    expect(types[0]).toBe('run-started');
    expect(types[types.length - 1]).toBe('run-finished');
    const lines = fs
      .readFileSync(path.join(h.history.runsDir, summary.runId, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(types.length);
    const build = lines.map((l) => JSON.parse(l)).find((e) => e.step === 'build' && e.status === 'passed');
    expect(build.outputs).toEqual({ version: '1.2.3', notes: 'line one\nline two' });
    expect(h.history.listRuns()[0]).toMatchObject({ runId: summary.runId, status: 'passed' });
  });

  it('a failing step fails its phase and the run; later steps and phases never run', async () => {
    const dir = makeProject(`name: fails
phases:
  local:
    steps:
      - name: First
        run: touch first-ran
      - name: Fails
        run: echo about to fail; exit 3
      - name: After
        run: touch after-ran
  aws-test:
    steps:
      - name: Later phase
        run: touch later-phase-ran
workflows:
  w: [local, aws-test]
`);
    const h = harness(dir);
    const summary = await h.engine.run('w');
    expect(summary.status).toBe('failed');
    expect(summary.reason).toMatch(/local: step "Fails" failed: exit code 3/);
    const run = h.history.readRun(summary.runId);
    expect(run?.phases[0]?.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'pending']);
    expect(run?.phases[1]?.status).toBe('pending');
    expect(fs.existsSync(path.join(dir, 'first-ran'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'after-ran'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'later-phase-ran'))).toBe(false);
    const log = fs.readFileSync(h.history.stepLogPath(summary.runId, 'local', 'fails'), 'utf8');
    expect(log).toContain('about to fail');
  });

  it('continue-on-error lets the phase go on', async () => {
    const dir = makeProject(`name: coe
phases:
  local:
    steps:
      - name: Flaky lint
        run: exit 1
        continue-on-error: true
      - name: Next
        run: touch next-ran
workflows:
  w: [local]
`);
    const h = harness(dir);
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    expect(fs.existsSync(path.join(dir, 'next-ran'))).toBe(true);
    expect(h.history.readRun(s.runId)?.phases[0]?.steps[0]?.status).toBe('failed');
  });

  it('rejects an unknown workflow and a second run while one is active', async () => {
    const dir = makeProject(`name: busy
phases:
  local:
    steps:
      - name: Slow
        run: sleep 0.5
workflows:
  w: [local]
`);
    const h = harness(dir);
    await expect(h.engine.run('nope')).rejects.toThrow(/unknown workflow "nope"/);
    const first = h.engine.run('w');
    await expect(h.engine.run('w')).rejects.toThrow(/already active/);
    expect((await first).status).toBe('passed');
  });
});

describe('timeouts and retries', () => {
  it('a step over its timeout is killed (tree included) and fails "timed out after …"', async () => {
    const dir = makeProject(`name: slow
phases:
  local:
    steps:
      - name: Sleeps
        run: |
          sleep 30 & echo $! > child.pid
          wait
        timeout: 1s
workflows:
  w: [local]
`);
    const h = harness(dir);
    const t0 = Date.now();
    const s = await h.engine.run('w');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(s.status).toBe('failed');
    const step = h.history.readRun(s.runId)?.phases[0]?.steps[0];
    expect(step?.reason).toBe('timed out after 1s');
    const child = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    pidsToKill.push(child);
    expect(alive(child)).toBe(false);
  });

  it('retries a failing step with back-off until it passes', async () => {
    const dir = makeProject(`name: retry
phases:
  local:
    steps:
      - name: Passes on the third try
        run: |
          n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
          date +%s%N >> times
          test $n -ge 3
        retries: 3
        retry-delay: 200ms
workflows:
  w: [local]
`);
    const h = harness(dir);
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    expect(fs.readFileSync(path.join(dir, 'count'), 'utf8').trim()).toBe('3');
    const times = fs.readFileSync(path.join(dir, 'times'), 'utf8').trim().split('\n').map(Number);
    const gaps = [(times[1]! - times[0]!) / 1e6, (times[2]! - times[1]!) / 1e6];
    expect(gaps[0]).toBeGreaterThanOrEqual(190); // 200 ms
    expect(gaps[1]).toBeGreaterThanOrEqual(390); // 400 ms: exponential
    const attempts = h.events
      .filter((e) => e.type === 'step' && e.status === 'running')
      .map((e) => (e as { attempt?: number }).attempt);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('gives up after the last retry with the attempt count in the reason', async () => {
    const dir = makeProject(`name: retry
phases:
  local:
    steps:
      - name: Always fails
        run: echo x >> tries; exit 2
        retries: 1
        retry-delay: 50ms
workflows:
  w: [local]
`);
    const h = harness(dir);
    const s = await h.engine.run('w');
    expect(s.status).toBe('failed');
    expect(fs.readFileSync(path.join(dir, 'tries'), 'utf8')).toBe('x\nx\n');
    expect(h.history.readRun(s.runId)?.phases[0]?.steps[0]?.reason).toBe('exit code 2 (after 2 attempts)');
  });
});

describe('cancel', () => {
  it('kills the running step with its children and grandchildren (also one that left the group); run reads cancelled', async () => {
    const dir = makeProject(`name: tree
phases:
  local:
    steps:
      - name: Spawns a tree
        run: |
          sleep 300 & echo "child=$!" >> pids.txt
          bash -c 'sleep 301 & echo "grandchild=$!" >> pids.txt; wait' &
          setsid sleep 302 & echo "escaped=$!" >> pids.txt
          wait
      - name: Never
        run: touch never-ran
workflows:
  w: [local]
`);
    const h = harness(dir);
    const running = h.engine.run('w');
    const pidsFile = path.join(dir, 'pids.txt');
    const pids = await waitFor(
      () => {
        const t = fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8') : '';
        const found = [...t.matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
        return found.length === 3 ? found : undefined;
      },
      10_000,
      'the step to start its tree',
    );
    pidsToKill.push(...pids);
    expect(pids.every(alive)).toBe(true);
    expect(h.engine.current()?.status).toBe('running');
    h.engine.cancel();
    const s = await running;
    expect(s.status).toBe('cancelled');
    expect(pids.filter(alive)).toEqual([]);
    const run = h.history.readRun(s.runId);
    expect(run?.phases[0]?.status).toBe('cancelled');
    expect(run?.phases[0]?.steps.map((x) => x.status)).toEqual(['cancelled', 'pending']);
    expect(fs.existsSync(path.join(dir, 'never-ran'))).toBe(false);
    expect(h.engine.current()).toBeNull();
  });

  it('an AbortSignal passed to run() cancels too', async () => {
    const dir = makeProject(
      `name: sig\nphases:\n  local:\n    steps:\n      - run: sleep 60\nworkflows:\n  w: [local]\n`,
    );
    const h = harness(dir);
    const ac = new AbortController();
    const running = h.engine.run('w', { signal: ac.signal });
    await waitFor(() => h.engine.current()?.current, 5000, 'the step to start');
    ac.abort();
    expect((await running).status).toBe('cancelled');
  });
});

describe('masking', () => {
  it('declared secrets, AWS credentials and ::add-mask:: values never reach logs, events or outputs', async () => {
    const dir = makeProject(`name: secrets
secrets: [API_TOKEN]
phases:
  local:
    steps:
      - id: leak
        name: Prints secrets
        env:
          VIA_INTERPOLATION: \${{ secrets.API_TOKEN }}
        run: |
          echo "token=$API_TOKEN"
          echo "again $VIA_INTERPOLATION" >&2
          echo "aws=$AWS_SECRET_ACCESS_KEY"
          echo "::add-mask::dyn-4Kq9-value"
          echo "dynamic dyn-4Kq9-value"
          # the secret split across two writes, with a pause, in one line
          printf 'split: tok-'; sleep 0.2; printf 'Zx81-secret end\\n'
          echo "out=tok-Zx81-secret" >> "$OFFLOAD_OUTPUT"
          exit 1
workflows:
  w: [local]
`);
    const h = harness(dir, {
      env: { ...process.env, API_TOKEN: 'tok-Zx81-secret', AWS_SECRET_ACCESS_KEY: 'AKsecretAWS0987' },
    });
    const s = await h.engine.run('w');
    expect(s.status).toBe('failed');
    const files = readAll(h.dataDir);
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      expect(f.text).not.toContain('tok-Zx81-secret');
      expect(f.text).not.toContain('Zx81');
      expect(f.text).not.toContain('AKsecretAWS0987');
      expect(f.text).not.toContain('dyn-4Kq9-value');
    }
    const log = fs.readFileSync(h.history.stepLogPath(s.runId, 'local', 'leak'), 'utf8');
    expect(log).toContain('token=***');
    expect(log).toContain('again ***');
    expect(log).toContain('aws=***');
    expect(log).toContain('dynamic ***');
    expect(log).toContain('split: *** end');
    const live = h.events
      .filter((e) => e.type === 'output')
      .map((e) => (e as { text: string }).text)
      .join('');
    expect(live).not.toContain('Zx81');
    expect(live).toContain('split: *** end');
  });
});

describe('large output', () => {
  it('streams output to the log without keeping it: the tail is bounded', async () => {
    const dir = makeProject(`name: big
phases:
  local:
    steps:
      - name: Prints 20 MB
        # sh, not bash: under bash's pipefail (as in GitHub Actions) yes's SIGPIPE fails the step.
        shell: sh
        run: yes 'a line of output that is not very long at all' | head -c 20000000
workflows:
  w: [local]
`);
    const h = harness(dir);
    let maxTail = 0;
    h.engine.subscribe(() => {
      maxTail = Math.max(maxTail, h.engine.current()?.tail.length ?? 0);
    });
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    expect(fs.statSync(h.history.stepLogPath(s.runId, 'local', 'prints-20-mb')).size).toBeGreaterThanOrEqual(
      20_000_000,
    );
    expect(maxTail).toBeLessThanOrEqual(50);
    expect(maxTail).toBeGreaterThan(0);
  });
});
