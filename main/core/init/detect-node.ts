/** Node projects (package.json, at the top or in sub-folders): install when needed, lint, build, test. */
import path from 'node:path';
import {
  exists,
  inFolder,
  projectDirs,
  relCwd,
  runStep,
  todoStep,
  type Detector,
  type Plan,
  recognised,
  seenNotUsed,
  toDo,
} from './plan';
import { MAX_READ_BYTES, readBounded } from './read-bounded';

interface PackageJson {
  name?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

const UNREADABLE = {
  missing: 'cannot be read',
  'not-a-file': 'not a regular file',
  'too-large': `larger than ${MAX_READ_BYTES / 1024 / 1024} MB`,
} as const;

/** Reads package.json in `dir`, or says why it is skipped (not a regular file, too large, not JSON). */
function readPackageJson(dir: string): PackageJson | string {
  const r = readBounded(path.join(dir, 'package.json'));
  if ('reason' in r) return UNREADABLE[r.reason];
  try {
    const pkg = JSON.parse(r.text) as unknown;
    return pkg && typeof pkg === 'object' ? (pkg as PackageJson) : 'not a JSON object';
  } catch {
    return 'not valid JSON';
  }
}

/** How the project installs dependencies and runs scripts, by its lockfile. */
function packageManager(dir: string) {
  if (exists(dir, 'pnpm-lock.yaml')) return { install: 'pnpm install --frozen-lockfile', run: 'pnpm run' };
  if (exists(dir, 'yarn.lock')) return { install: 'yarn install --frozen-lockfile', run: 'yarn run' };
  if (exists(dir, 'package-lock.json') || exists(dir, 'npm-shrinkwrap.json'))
    return { install: 'npm ci', run: 'npm run' };
  return { install: 'npm install', run: 'npm run' };
}

const TEST_RUNNERS = /^(jest|mocha|vitest|ava|tap|jasmine|karma)$/;

/**
 * The folder or file a test script names that is not there (`jest test/` without test/), so the test step
 * is not written as one that fails on its first run. Only plain path arguments of a known runner are checked.
 */
export function missingTestPath(dir: string, script: string): string | undefined {
  for (const command of script.split(/&&|\|\||;/)) {
    const words = command.trim().split(/\s+/);
    const at = words.findIndex((w) => TEST_RUNNERS.test(path.basename(w)));
    if (at < 0) continue;
    for (let i = at + 1; i < words.length; i++) {
      const w = words[i]!;
      const prev = words[i - 1]!;
      const valueOf = /^--(roots|rootDir|spec|dir)$/.test(prev);
      if (w.startsWith('-') || (prev.startsWith('-') && !valueOf) || w === 'run' || /[*?{}$"'`<>|]/.test(w))
        continue;
      if (!/[/.]/.test(w) && !valueOf) continue;
      if (!exists(dir, w.replace(/^\.\//, ''))) return w;
    }
  }
  return undefined;
}

function detectNodeProject(plan: Plan, dir: string): void {
  const where = relCwd(plan.root, dir);
  const file = where ? `${where}/package.json` : 'package.json';
  const pkg = readPackageJson(dir);
  if (typeof pkg === 'string') {
    plan.findings.push(seenNotUsed(`${file} (${pkg}: skipped)`));
    return;
  }
  if (!where && typeof pkg.name === 'string' && pkg.name) plan.name = pkg.name.replace(/^@[^/]+\//, '');
  const pm = packageManager(dir);
  const scripts = pkg.scripts ?? {};
  const has = (s: string) => typeof scripts[s] === 'string' && !/no test specified/.test(String(scripts[s]));
  const found = ['build', 'lint', 'test', 'start'].filter(has);
  const hasDeps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).length > 0;
  const installed = exists(dir, 'node_modules');
  plan.findings.push(
    recognised(
      `${file}${found.length ? `: scripts ${found.join(', ')}` : ' (no build/test/lint/start scripts)'}` +
        (hasDeps ? `; dependencies ${installed ? 'installed' : `installed by \`${pm.install}\``}` : ''),
    ),
  );
  const local = plan.steps.local;
  const step = (name: string, command: string, timeout?: string) =>
    local.push(runStep(inFolder(name, where), command, { cwd: where, timeout }));
  if (hasDeps && !installed) step('Install dependencies', pm.install, '10m');
  // A lint script that fixes (eslint --fix, prettier --write) rewrites sources: not a check.
  const lintRewrites = has('lint') && /\s--fix\b|\s--write\b/.test(String(scripts.lint));
  if (has('lint') && !lintRewrites) step('Lint', `${pm.run} lint`);
  if (has('build')) step('Build', `${pm.run} build`);
  const missing = has('test') ? missingTestPath(dir, String(scripts.test)) : undefined;
  if (missing) {
    plan.findings.push(
      toDo(
        `${file}: the test script (\`${String(scripts.test)}\`) names ${missing}, which is not there: its step is a TODO`,
      ),
    );
    local.push(
      todoStep(
        inFolder('fix the test script', where),
        `the test script of ${file} names ${missing}, which is not in the repository: fix the script (or add the tests), then replace this step with: ${pm.run} test`,
      ),
    );
    if (where) local[local.length - 1]!.cwd = where;
  } else if (has('test')) step('Unit tests', `${pm.run} test`);
  const notes: string[] = [];
  if (hasDeps && installed)
    notes.push(
      `${file}: dependencies are already installed (node_modules), so each run uses them as they are;`,
      `add \`${pm.install}\` as the first step for a clean install on every run.`,
    );
  if (lintRewrites)
    notes.push(
      `${file}: the lint script rewrites sources (--fix/--write), so it is not run as a check; add a lint`,
      'step without it (e.g. eslint .) if you want one.',
    );
  if (!has('test'))
    notes.push(`${file} has no test script: add one and a step that runs it (\`${pm.run} test\`).`);
  if (has('start')) {
    notes.push(
      `${file} has a start script (\`${pm.run} start\`). A run step waits for its command to end, so start`,
      'long-running servers with docker compose or a script that starts them in the background,',
      'then check them with an http step, e.g.:',
      '  - name: Service answers',
      '    http: { url: "http://127.0.0.1:3000/health", status: 200 }',
      '    retries: 10',
      '    retry-delay: 1s',
    );
  }
  if (notes.length) plan.notes.local.push(notes);
}

/** Every Node project: the folder itself, else its sub-folders with a package.json. */
export const detectNode: Detector = (plan) => {
  for (const dir of projectDirs(plan.root, (d) => exists(d, 'package.json'))) detectNodeProject(plan, dir);
};
