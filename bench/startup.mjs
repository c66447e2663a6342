// CLI start-up (issue 20): `offload --version` and `offload status` on a one-file project (trusted), each against
// a bare `node -e 0` in the same run, interleaved (one of each per round), medians of BENCH_REPEATS (default 15).
// One untimed run of each command first fills Node's compile cache (its default folder, as after a user's first
// command). BENCH_COMPARE=DIR also times another built checkout (e.g. the commit before a change) in the same
// rounds, so before and after share the machine's load; its figures are reported under `compare`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, mb, project, ROOT, tempDir, timed } from './lib.mjs';

const repeats = Number(process.env.BENCH_REPEATS ?? 15);
const roots = { offload: ROOT };
if (process.env.BENCH_COMPARE) roots.compare = path.resolve(process.env.BENCH_COMPARE);
const data = tempDir('startup-data');
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_COMPILE_CACHE;
const dir = project('startup', '      - run: "true"\n');

const commands = { node: [process.execPath, ['-e', '0']] };
for (const [name, root] of Object.entries(roots)) {
  const cli = path.join(root, 'bin', 'offload.js');
  execFileSync(process.execPath, [cli, 'trust', '--yes', '--data-dir', data], {
    cwd: dir,
    env,
    stdio: 'ignore',
  });
  commands[`${name}.version`] = [process.execPath, [cli, '--version']];
  commands[`${name}.status`] = [process.execPath, [cli, 'status', '--data-dir', data]];
}
for (const [cmd, args] of Object.values(commands))
  execFileSync(cmd, args, { cwd: dir, env, stdio: 'ignore' });

const ms = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const rss = {};
for (let i = 0; i < repeats; i++) {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    const r = await timed(cmd, args, { cwd: dir, env });
    if (r.code !== 0) throw new Error(`${name} exited ${r.code}`);
    ms[name].push(r.ms);
    rss[name] = Math.max(rss[name] ?? 0, r.peakRss);
  }
}
const node = median(ms.node);
const figures = (name) => {
  const version = median(ms[`${name}.version`]);
  const status = median(ms[`${name}.status`]);
  return {
    versionMs: +version.toFixed(1),
    versionRatio: +(version / node).toFixed(2),
    statusMs: +status.toFixed(1),
    statusRatio: +(status / node).toFixed(2),
    peakRssMb: { version: +mb(rss[`${name}.version`]), status: +mb(rss[`${name}.status`]) },
  };
};
console.log(
  JSON.stringify({
    bench: 'startup',
    repeats,
    nodeMs: +node.toFixed(1),
    ...figures('offload'),
    ...(roots.compare ? { compare: { root: roots.compare, ...figures('compare') } } : {}),
    goal: { versionRatio: 1.3, statusRatio: 1.6 },
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
