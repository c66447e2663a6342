/**
 * Python projects (at the top or in sub-folders): the detected test runner with the Python found on PATH —
 * pytest only when it is declared and importable, unittest for unittest tests, else a byte-compile of the
 * sources. Dependencies are not installed by the phase (that needs a virtualenv and the network); a note says how.
 */
import fs from 'node:fs';
import path from 'node:path';
import { toDo } from './plan';
import {
  exists,
  filesIn,
  inFolder,
  projectDirs,
  readText,
  relCwd,
  runStep,
  subDirs,
  type Detector,
  type Plan,
  recognised,
} from './plan';
import type { Toolchain } from './toolchain';
import { exportedByUv, venvStep } from './python-venv';

/** A test file written for pytest: it imports pytest or uses its decorators. */
const PYTEST_FILE = /^\s*(import pytest\b|from pytest\b|@pytest\.)/m;
/** A test file written for unittest: it imports unittest itself, not only unittest.mock. */
const UNITTEST_FILE = /^\s*(import unittest\b(?!\.)|from unittest import (?!mock\b))/m;

const MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg', 'tox.ini', 'pytest.ini', 'Pipfile'];
const REQUIREMENTS = /^(dev[-_])?requirements([-_][\w-]+)?\.txt$/;
const TEST_FILE = /^(test_.*|.*_test)\.py$/;
const TEST_DIRS = ['tests', 'test'];

/**
 * Whether pytest is importable by the Python on PATH, asked without running project code: isolated mode (-I:
 * no current folder, PYTHONPATH or PYTHONSTARTUP on sys.path) from outside the project, with the user's own
 * site-packages added back (a `pip install --user pytest` counts).
 */
export const PYTEST_PROBE = [
  '-I',
  '-c',
  'import site; site.addsitedir(site.getusersitepackages()); import pytest',
] as const;

const requirementFiles = (dir: string) => filesIn(dir).filter((f) => REQUIREMENTS.test(f));

/**
 * Where a requirements file makes pip look for packages besides PyPI (`--index-url`, `-i`,
 * `--extra-index-url`, `--find-links`, `-f`, `--trusted-host`): the first such option, its value with any
 * credentials in the URL hidden, so init can ask the user to check it before a run installs from there.
 */
export function packageSource(text: string): { option: string; source: string } | undefined {
  for (const raw of text.split('\n')) {
    const m =
      /^\s*(--index-url|--extra-index-url|--find-links|--trusted-host|-i|-f)(?:\s*=\s*|\s+)(\S+)/.exec(raw);
    if (!m) continue;
    const source = m[2]!.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1***@').slice(0, 200);
    return { option: m[1]!, source };
  }
  return undefined;
}

/** Whether a requirements file lists anything (not only comments and blank lines). */
const listsPackages = (file: string) =>
  (readText(file) ?? '').split('\n').some((l) => l.trim() && !l.trim().startsWith('#'));

const hasPy = (dir: string) => filesIn(dir).some((f) => f.endsWith('.py'));

/** Test files under `dir` (relative, `/`-separated), at most `depth` folders down. */
function testFilesUnder(dir: string, rel: string, depth: number): string[] {
  const here = filesIn(dir)
    .filter((f) => TEST_FILE.test(f))
    .map((f) => (rel ? `${rel}/${f}` : f));
  if (depth === 0) return here;
  return [
    ...here,
    ...subDirs(dir).flatMap((d) =>
      testFilesUnder(d, `${rel ? `${rel}/` : ''}${path.basename(d)}`, depth - 1),
    ),
  ];
}

/** Where the tests are: the first of tests/ and test/ that holds test files, else the folder itself. */
function findTests(dir: string): { testDir: string | undefined; files: string[] } {
  for (const name of TEST_DIRS) {
    if (!fs.existsSync(path.join(dir, name))) continue;
    const files = testFilesUnder(path.join(dir, name), name, 3);
    if (files.length) return { testDir: name, files };
  }
  return { testDir: undefined, files: testFilesUnder(dir, '', 0) };
}

function isPythonProject(dir: string): boolean {
  return (
    MARKERS.some((m) => exists(dir, m)) || requirementFiles(dir).length > 0 || findTests(dir).files.length > 0
  );
}

/** Top-level packages (folders with __init__.py), without the test folders. */
const topLevelPackages = (dir: string) =>
  subDirs(dir)
    .map((d) => path.basename(d))
    .filter((n) => !TEST_DIRS.includes(n) && exists(path.join(dir, n), '__init__.py'));

/** How Python is run: a project tool (uv, poetry) when its lockfile and executable are there, else python3. */
function pythonCommand(dir: string, pyproject: string, tools: Toolchain) {
  if (exists(dir, 'uv.lock') && tools.which('uv'))
    return { python: 'uv run python', managedBy: 'uv', install: 'uv sync' };
  if ((exists(dir, 'poetry.lock') || /\[tool\.poetry\]/.test(pyproject)) && tools.which('poetry'))
    return { python: 'poetry run python', managedBy: 'poetry', install: 'poetry install' };
  const python = tools.which('python3') ? 'python3' : tools.which('python') ? 'python' : undefined;
  return { python: python ?? 'python3', managedBy: undefined, install: undefined, missing: !python };
}

function detectPythonProject(plan: Plan, dir: string, tools: Toolchain): void {
  const where = relCwd(plan.root, dir);
  const pyproject = readText(path.join(dir, 'pyproject.toml')) ?? '';
  const reqFiles = requirementFiles(dir);
  const { testDir, files: testFiles } = findTests(dir);
  const testReqs = testDir ? requirementFiles(path.join(dir, testDir)).map((f) => `${testDir}/${f}`) : [];
  const declarations = [
    pyproject,
    ...[...reqFiles, ...testReqs, 'setup.cfg', 'tox.ini', 'Pipfile'].map(
      (f) => readText(path.join(dir, f)) ?? '',
    ),
  ].join('\n');
  const pytestDeclared =
    exists(dir, 'pytest.ini') ||
    exists(dir, 'conftest.py') ||
    (testDir !== undefined && exists(path.join(dir, testDir), 'conftest.py')) ||
    /\bpytest\b/i.test(declarations);
  const testTexts = testFiles.map((f) => readText(path.join(dir, f)) ?? '');
  // pytest tests often use unittest.mock: only unittest itself (TestCase…) makes a file unittest's.
  const pytestStyle = testTexts.some((t) => PYTEST_FILE.test(t));
  const unittestStyle = !pytestStyle && testTexts.some((t) => UNITTEST_FILE.test(t));
  const nameMatch = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(pyproject);
  if (!where && nameMatch?.[1] && plan.name === path.basename(dir)) plan.name = nameMatch[1];

  const py = pythonCommand(dir, pyproject, tools);
  const toInstallDeclaresPytest = /\bpytest\b/i.test(
    [...reqFiles, ...testReqs].map((f) => readText(path.join(dir, f)) ?? '').join('\n'),
  );
  const pytestUsable = py.managedBy
    ? pytestDeclared
    : !py.missing && (toInstallDeclaresPytest || tools.succeeds(py.python, PYTEST_PROBE));
  const srcLayout =
    exists(dir, 'src') &&
    (hasPy(path.join(dir, 'src')) || topLevelPackages(path.join(dir, 'src')).length > 0);
  const env = srcLayout ? { PYTHONPATH: 'src' } : undefined;
  const local = plan.steps.local;
  const notes: string[] = [];
  const step = (
    name: string,
    command: string,
    more: { env?: Record<string, string>; timeout?: string } = {},
  ) => local.push(runStep(inFolder(name, where), command, { cwd: where, ...more }));

  if (py.install) step('Install Python dependencies', py.install, { timeout: '10m' });
  // Declared dependencies go into a virtual environment the tests then run with (no uv/poetry here).
  const toInstall = [...reqFiles, ...testReqs].filter((f) => listsPackages(path.join(dir, f)));
  const venv = !py.managedBy && !py.missing && toInstall.length > 0;
  for (const f of toInstall) {
    const src = packageSource(readText(path.join(dir, f)) ?? '');
    if (src)
      plan.findings.push(
        toDo(
          `${where ? `${where}/` : ''}${f} makes pip install from ${src.source} (${src.option}), not PyPI: check you mean it before \`offload run local\`${/^http:/i.test(src.source) ? ' — plain http can be tampered with on the way' : ''}`,
        ),
      );
  }
  const made = venv ? venvStep(dir, where, toInstall) : undefined;
  const split = made?.split ?? [];
  if (made) {
    local.push(made.step);
    py.python = `\${{ steps.${made.id}.outputs.python }}`;
  }
  let runner: string;
  if ((pytestDeclared || pytestStyle || (testFiles.length > 0 && !unittestStyle)) && pytestUsable) {
    runner = 'pytest';
    step('Python tests', `${py.python} -m pytest`, { env });
  } else if (unittestStyle) {
    runner = 'unittest';
    const discover = !testDir
      ? ''
      : exists(path.join(dir, testDir), '__init__.py')
        ? ` -s ${testDir} -t .`
        : ` -s ${testDir}`;
    step('Python tests', `${py.python} -m unittest discover${discover}`, { env });
  } else {
    const targets = [
      ...(srcLayout ? ['src'] : topLevelPackages(dir)),
      ...filesIn(dir).filter((f) => f.endsWith('.py') && f !== 'setup.py'),
      ...(testDir ? [testDir] : []),
    ];
    runner = targets.length ? 'byte-compile only' : 'nothing to check';
    if (targets.length) step('Python sources compile', `${py.python} -m compileall -q ${targets.join(' ')}`);
    if (pytestDeclared || testFiles.length)
      notes.push(
        `pytest is ${pytestDeclared ? 'declared' : 'what the tests need'}, but \`${py.python} -c "import pytest"\` failed when`,
        'offload init ran, so this phase only byte-compiles the sources. Install the test dependencies',
        `in the environment you run offload from, then add: ${py.python} -m pytest`,
      );
    else notes.push('No Python tests were found; add a step that runs them when there are some.');
  }
  if (exists(dir, 'uv.lock') && py.managedBy !== 'uv')
    notes.push(
      'uv.lock says this project is managed by uv, but uv was not on PATH when offload init ran. With uv',
      'installed (https://docs.astral.sh/uv/), run offload init again: it writes `uv sync` and `uv run python -m pytest`.',
    );
  if (py.missing)
    notes.push(
      'No python3 or python was on PATH when offload init ran: install Python or activate a virtualenv.',
    );
  else if (venv)
    notes.push('Add packages to the requirements files: the first step installs them into .venv.');
  else if (!py.managedBy) {
    const install = reqFiles.length
      ? `${py.python} -m pip install ${reqFiles.map((f) => `-r ${f}`).join(' ')}`
      : pyproject || exists(dir, 'setup.py')
        ? `${py.python} -m pip install -e .`
        : undefined;
    notes.push(
      `They run with the \`${py.python}\` on PATH: activate your virtualenv before \`offload run\`.`,
    );
    if (install)
      notes.push(
        `Dependencies are not installed on each run; to do that, add first: ${install}${where ? ` (cwd: ${where})` : ''}`,
      );
    const flatLayout =
      !reqFiles.length &&
      pyproject &&
      !/\[tool\.setuptools[.\]]/.test(pyproject) &&
      topLevelPackages(dir).length > 1;
    if (flatLayout)
      notes.push(
        '(pip install -e . needs [tool.setuptools] packages = [...] in pyproject.toml with several top-level',
        'packages side by side.)',
      );
  }
  plan.notes.local.push([`Python steps${where ? ` in ${where}/` : ''}:`, ...notes]);
  const seen = [
    ...MARKERS.filter((m) => exists(dir, m)),
    ...reqFiles,
    ...(testDir ? [`${testDir}/`] : []),
    ...(srcLayout ? ['src/'] : []),
  ];
  plan.findings.push(
    recognised(
      `Python${where ? ` in ${where}/` : ''} (${seen.join(', ') || 'test files'}): ${venv ? `dependencies installed into .venv${split.length ? ` (${split.join(', ')} ${split.some((f) => exportedByUv(readText(path.join(dir, f)) ?? '')) ? 'exported by uv' : 'with local lines'}: its local lines after the rest)` : ''}, ${runner}` : `${runner} with ${py.python}`}`,
    ),
  );
}

/** Every Python project: the folder itself, else its sub-folders that look like one. */
export const detectPython: Detector = (plan, tools) => {
  for (const dir of projectDirs(plan.root, isPythonProject)) detectPythonProject(plan, dir, tools);
};
