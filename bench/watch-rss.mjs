// `offload watch` without AWS (issue 20: RSS ≤ 60 MB): a trusted one-file project (no aws: section), the watch run
// for BENCH_SECONDS (default 15), its resident set at the end (VmRSS) and its peak (VmHWM), against a bare Node
// process that waits as long (`node -e 'setTimeout(…)'`), both running side by side in each of BENCH_REPEATS (3)
// rounds; medians. BENCH_COMPARE=DIR also runs another built checkout's watch in the same rounds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, project, ROOT, tempDir, trust } from './lib.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const roots = { offload: ROOT };
if (process.env.BENCH_COMPARE) roots.compare = path.resolve(process.env.BENCH_COMPARE);
const dir = project('watch-rss', '      - run: "true"\n');
const data = tempDir('watch-rss-data');
const env = { ...process.env, NO_COLOR: '1', OFFLOAD_HOME: data };
trust(dir, data, env);

/** VmRSS and VmHWM of a live process, in MB. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const commands = { node: [process.execPath, ['-e', `setTimeout(() => {}, ${seconds * 1000 + 5000})`]] };
for (const [name, root] of Object.entries(roots))
  commands[name] = [process.execPath, [path.join(root, 'bin', 'offload.js'), 'watch', '--no-desktop']];

const results = Object.fromEntries(Object.keys(commands).map((k) => [k, { rss: [], peak: [] }]));
for (let i = 0; i < repeats; i++) {
  const children = Object.entries(commands).map(([name, [cmd, args]]) => ({
    name,
    child: spawn(cmd, args, { cwd: dir, env, stdio: 'ignore' }),
  }));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const { name, child } of children) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode} before the end`);
    const m = memory(child.pid);
    results[name].rss.push(m.rss);
    results[name].peak.push(m.peak);
    child.kill('SIGINT');
  }
  await Promise.all(children.map(({ child }) => new Promise((r) => child.once('exit', r))));
}
const figures = (name) => ({
  rssMb: +median(results[name].rss).toFixed(1),
  peakMb: +median(results[name].peak).toFixed(1),
  rssRatio: +(median(results[name].rss) / median(results.node.rss)).toFixed(2),
});
console.log(
  JSON.stringify({
    bench: 'watch-rss',
    seconds,
    repeats,
    node: figures('node'),
    offload: figures('offload'),
    ...(roots.compare ? { compare: { root: roots.compare, ...figures('compare') } } : {}),
    goal: { rssMb: 60 },
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
