// Machine watch footprint (issues 3, 20). Runs the watch at its default intervals (2 s cheap readings, 5 s
// process scan, 5 s GPU) in a separate Node process for BENCH_SECONDS (default 40) and measures, from
// /proc, the CPU of that process plus every child it spawned (utime+stime+cutime+cstime, and live
// descendants), its RSS, and the longest event-loop delay (perf_hooks.monitorEventLoopDelay). The bare
// harness (idle) runs in the same window, side by side, so both see the same machine; a naive
// systeminformation-based watch (currentLoad + mem every 2 s, processes + graphics every 5 s) runs for
// BENCH_NAIVE_SECONDS (default 10) as the other baseline. BENCH_BASE_REF=<git ref> also builds the watch
// of that commit and measures it in the same windows (before/after in one run). Scenarios (BENCH_SCENARIOS,
// default `high`; `now,high` for both): the machine as it is, and with sleepers started up to
// BENCH_PROCS_HIGH (default 420), measured once they are older than the reader's "young" window. Also: one
// process scan of a fresh watch (what `offload status` pays), and the time from a model server starting to
// its appearing in the list (default 5 s process interval). Linux only (it reads /proc).
import { execFileSync } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
const NAIVE_SECONDS = Number(process.env.BENCH_NAIVE_SECONDS ?? Math.min(SECONDS, 10));
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'high').split(',');
const BASE_REF = process.env.BENCH_BASE_REF;
/** The reader re-reads a process younger than this every scan (proc-linux-cache YOUNG_SECS + margin). */
const YOUNG_MS = 31_000;
const HIGH = Number(process.env.BENCH_PROCS_HIGH ?? 420);
const CLK_TCK = 100;

const countProcs = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
const statTimes = (pid) => {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return {
    self: (Number(f[11]) + Number(f[12])) * (1000 / CLK_TCK),
    children: (Number(f[13]) + Number(f[14])) * (1000 / CLK_TCK),
  };
};
/** CPU ms of `pid`, its reaped children, and its live descendants. */
function treeCpuMs(pid) {
  const kids = new Map();
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const s = fs.readFileSync(`/proc/${n}/stat`, 'latin1');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(n));
    } catch {
      /* gone */
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      const t = statTimes(p);
      total += t.self + t.children;
    } catch {
      /* gone */
    }
    stack.push(...(kids.get(p) ?? []));
  }
  return total;
}

/** Bundles the machine watch of the source tree at `src` (ROOT, or a commit extracted for BENCH_BASE_REF). */
async function bundle(src = ROOT, tag = 'now') {
  const { build } = await import('esbuild');
  // Inside node_modules/.cache so the bundle resolves the installed packages (systeminformation).
  fs.mkdirSync(path.join(ROOT, 'node_modules/.cache'), { recursive: true });
  const out = path.join(ROOT, 'node_modules/.cache', `offload-bench-machine-${tag}-${process.pid}.cjs`);
  await build({
    entryPoints: [path.join(src, 'main/core/machine/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    outfile: out,
    logLevel: 'warning',
  });
  return out;
}

/** The watch as it was at `ref` (git archive of main/ into a temporary folder), bundled. */
async function bundleRef(ref) {
  const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules/.cache', 'offload-bench-base-'));
  try {
    const tar = execFileSync('git', ['archive', ref, 'main'], { cwd: ROOT, maxBuffer: 256 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    return await bundle(dir, 'base');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- worker: one watch, measured from inside (event loop) and outside (CPU, RSS) ----------
async function worker(kind, bundlePath) {
  const RES = 20;
  const h = monitorEventLoopDelay({ resolution: RES });
  const stopFns = [];
  if (kind === 'offload') {
    const require = createRequire(bundlePath);
    const m = require(bundlePath);
    const watch = m.createMachineWatch({});
    watch.start();
    stopFns.push(() => watch.stop());
  } else if (kind === 'idle') {
    // The measuring harness alone (Node + event-loop monitor + IPC): the floor under both watches.
    const keep = setInterval(() => {}, 60_000);
    stopFns.push(() => clearInterval(keep));
  } else {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const si = require('systeminformation');
    const cheap = async () => {
      await si.currentLoad();
      await si.mem();
    };
    const costly = async () => {
      await si.processes();
      await si.graphics();
    };
    void cheap();
    void costly();
    const a = setInterval(cheap, 2000);
    const b = setInterval(costly, 5000);
    stopFns.push(() => (clearInterval(a), clearInterval(b)));
  }
  // Start measuring after module load and the first samples have begun.
  process.send({ type: 'started' });
  h.enable();
  process.on('message', (msg) => {
    if (msg.type !== 'finish') return;
    h.disable();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    // The histogram records whole timer periods (resolution + lateness); the block is the lateness.
    process.send({
      type: 'result',
      maxLoopMs: Math.max(0, h.max / 1e6 - RES),
      p99LoopMs: Math.max(0, h.percentile(99) / 1e6 - RES),
      rss: kb('VmRSS'),
      hwm: kb('VmHWM'),
    });
    for (const f of stopFns) f();
    setTimeout(() => process.exit(0), 100);
  });
}

/**
 * Starts one worker; `started` settles once it runs, `done` with its figures over `seconds` measured from
 * when `ready` settles (side-by-side workers share one window).
 */
function runWorker(kind, bundlePath, seconds, ready = Promise.resolve()) {
  const started = Promise.withResolvers();
  const done = Promise.withResolvers();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', kind, bundlePath], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('error', (e) => (started.reject(e), done.reject(e)));
  const measure = () => {
    const t0 = performance.now();
    const cpu0 = treeCpuMs(child.pid);
    setTimeout(() => {
      const cpu1 = treeCpuMs(child.pid);
      const wall = performance.now() - t0;
      child.once('message', (r) =>
        done.resolve({
          kind,
          cpuPctOfCore: (100 * (cpu1 - cpu0)) / wall,
          maxLoopMs: r.maxLoopMs,
          p99LoopMs: r.p99LoopMs,
          rssMB: r.rss / 1048576,
          peakRssMB: r.hwm / 1048576,
        }),
      );
      child.send({ type: 'finish' });
    }, seconds * 1000);
  };
  child.once('message', (msg) => {
    if (msg.type !== 'started') return;
    started.resolve();
    void ready.then(measure);
  });
  return { started: started.promise, done: done.promise };
}

/** Workers side by side: each measured over the same window, which opens once all of them have started. */
async function runTogether(kinds, seconds) {
  const gate = Promise.withResolvers();
  const runs = kinds.map(([kind, b]) => runWorker(kind, b, seconds, gate.promise));
  await Promise.all(runs.map((r) => r.started));
  gate.resolve();
  return Promise.all(runs.map((r) => r.done));
}

/**
 * One process scan of a fresh watch (what a short command such as `offload status` pays): CPU ms of the
 * call, the median of `n`, each bundle's turns interleaved so both see the same machine.
 */
async function oneScan(bundles, n = 15) {
  const mods = bundles.map((b) => createRequire(b)(b));
  const cpu = mods.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < mods.length; j++) {
      const m = mods[j];
      const watch = m.createMachineWatch({ watch: m.parseWatchConfig({ gpu: false }) });
      const c0 = process.cpuUsage();
      await watch.refreshModels();
      const c = process.cpuUsage(c0);
      watch.stop();
      cpu[j].push((c.user + c.system) / 1000);
    }
  }
  return cpu.map((xs) => +median(xs).toFixed(2));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Longest gap between consecutive setImmediate ticks while `fn` runs: the longest synchronous slice. */
async function maxSlice(fn) {
  let last = performance.now();
  let max = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await fn();
  running = false;
  return max;
}

/**
 * How long one process scan blocks the event loop: the first scan (reads every command line) and 24 more
 * (incremental, two of them full sweeps). The event-loop histogram of the 60 s runs also counts the OS
 * preempting the process on a busy machine; this isolates the watch's own synchronous work.
 */
async function sampleBlock(bundlePath) {
  const require = createRequire(bundlePath);
  const m = require(bundlePath);
  const watch = m.createMachineWatch({ watch: m.parseWatchConfig({ gpu: false }) });
  const first = await maxSlice(() => watch.refreshModels());
  const rest = [];
  for (let i = 0; i < 24; i++) rest.push(await maxSlice(() => watch.refreshModels()));
  watch.stop();
  const sorted = [...rest].sort((a, b) => a - b);
  return {
    firstScanMaxSliceMs: +first.toFixed(2),
    scanMaxSliceMedianMs: +sorted[12].toFixed(2),
    scanMaxSliceMaxMs: +sorted[sorted.length - 1].toFixed(2),
  };
}

async function latency(bundlePath, repeats = 5) {
  const require = createRequire(bundlePath);
  const m = require(bundlePath);
  const watch = m.createMachineWatch({ watch: m.parseWatchConfig({ gpu: false }) });
  watch.start();
  await new Promise((r) => setTimeout(r, 1000));
  const out = [];
  for (let i = 0; i < repeats; i++) {
    // Start at a random point of the 5 s scan cycle.
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 5000));
    const t0 = performance.now();
    const child = spawn(
      path.join(ROOT, 'test/fixtures/model-servers/llama-server'),
      ['--port', '0', '-m', `bench-${i}.gguf`],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => {
      const check = () =>
        watch.models().some((x) => x.pid === child.pid) ? resolve() : setTimeout(check, 20);
      check();
    });
    out.push(performance.now() - t0);
    child.kill('SIGKILL');
  }
  watch.stop();
  return out;
}

async function main() {
  if (process.platform !== 'linux') {
    console.log(JSON.stringify({ bench: 'machine-watch', skipped: 'Linux only (measures through /proc)' }));
    return;
  }
  const bundlePath = await bundle();
  const basePath = BASE_REF ? await bundleRef(BASE_REF) : null;
  const sleepers = [];
  // A model server on the machine (an Ollama look-alike with one runner), so both watches have something to
  // show: Offload then also reads its ports and asks its /api/ps every scan. BENCH_WITH_MODEL=0 leaves it out.
  let model = null;
  if (process.env.BENCH_WITH_MODEL !== '0') {
    model = spawn(path.join(ROOT, 'test/fixtures/model-servers/ollama'), ['serve'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, FIXTURE_MODELS: 'llama3.2:3b' },
    });
    model.info = await new Promise((resolve) =>
      model.stdout.once('data', (d) => resolve(JSON.parse(String(d)))),
    );
  }
  try {
    for (const scenario of SCENARIOS) {
      const target = scenario === 'high' ? HIGH : 0;
      const need = target - countProcs();
      for (let i = 0; i < need; i++) sleepers.push(spawn('sleep', ['100000'], { stdio: 'ignore' }));
      const spawnedAt = performance.now();
      await new Promise((r) => setTimeout(r, 500));
      const procs = countProcs();
      // One scan of a fresh watch (offload status), this tree and (with BENCH_BASE_REF) the base, interleaved.
      const [scanMs, baseScanMs] = await oneScan(basePath ? [bundlePath, basePath] : [bundlePath]);
      const block = await sampleBlock(bundlePath);
      const [naive] = await runTogether([['naive', bundlePath]], NAIVE_SECONDS);
      // Steady state: the sleepers are past the reader's young window before the watches are measured.
      await new Promise((r) => setTimeout(r, Math.max(0, YOUNG_MS - (performance.now() - spawnedAt))));
      const kinds = [
        ['idle', bundlePath],
        ['offload', bundlePath],
      ];
      if (basePath) kinds.push(['offload', basePath]);
      const [idle, offload, base] = await runTogether(kinds, SECONDS);
      const net = (x) => Math.max(0, x.cpuPctOfCore - idle.cpuPctOfCore);
      const r = {
        bench: 'machine-watch',
        processes: procs,
        seconds: SECONDS,
        naiveSeconds: NAIVE_SECONDS,
        modelServers: model ? 1 : 0,
        // The harness alone (Node, IPC, a 20 ms event-loop monitor): the floor under every watch.
        idleHarness: round(idle),
        offload: round(offload),
        naiveSysteminformation: round(naive),
        offloadNetCpuPct: +net(offload).toFixed(3),
        naiveNetCpuPct: +net(naive).toFixed(3),
        cpuRatio: +(offload.cpuPctOfCore / naive.cpuPctOfCore).toFixed(3),
        netCpuRatio: +(net(offload) / net(naive)).toFixed(3),
        maxLoopRatio: +(offload.maxLoopMs / naive.maxLoopMs).toFixed(3),
        offloadScanBlock: block,
        // CPU ms of one process scan by a fresh watch (what `offload status` pays).
        oneScanCpuMs: scanMs,
        ...(base
          ? {
              baseRef: BASE_REF,
              base: round(base),
              baseNetCpuPct: +net(base).toFixed(3),
              netCpuRatioToBase: +(net(offload) / net(base)).toFixed(3),
              baseOneScanCpuMs: baseScanMs,
              oneScanRatioToBase: +(scanMs / baseScanMs).toFixed(3),
            }
          : {}),
      };
      console.log(JSON.stringify(r));
    }
    for (const s of sleepers) s.kill('SIGKILL');
    sleepers.length = 0;
    const lat = await latency(bundlePath, Number(process.env.BENCH_LATENCY_REPEATS ?? 5));
    const sorted = [...lat].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        bench: 'machine-watch-latency',
        what: 'model server spawn -> listed (process interval 5 s)',
        medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
        maxMs: Math.round(sorted[sorted.length - 1]),
        samplesMs: lat.map(Math.round),
        ratioToInterval: +(sorted[sorted.length - 1] / 5000).toFixed(3),
      }),
    );
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
    if (model) {
      for (const pid of model.info.runners ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      model.kill('SIGKILL');
    }
    fs.rmSync(bundlePath, { force: true });
    if (basePath) fs.rmSync(basePath, { force: true });
  }
}

function round(o) {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(3) : v]),
  );
}

if (process.argv[2] === '--worker') void worker(process.argv[3], process.argv[4]);
else await main();
