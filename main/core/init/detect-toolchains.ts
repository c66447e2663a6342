/**
 * Compiled-language projects (at the top or in sub-folders): Go, Rust, Maven, Gradle, .NET, CMake, a Makefile
 * with a `test` target, and Unreal Engine. Each gets its usual build and test commands. Where the toolchain is
 * not on PATH, a first step says which tool is missing and how to get it (and passes once it is installed), so
 * `run local` fails there with that message rather than "exit code 127". Wrappers (./mvnw, ./gradlew) are
 * named in offload.yml and never run by init.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  exists,
  filesIn,
  inFolder,
  projectDirs,
  readText,
  relCwd,
  runStep,
  type Detector,
  type Plan,
  recognised,
  toDo,
} from './plan';
import type { Toolchain } from './toolchain';
import { installHint } from '../platform/install-hints';

/** A build or test command of a toolchain. */
interface Command {
  name: string;
  run: string;
  timeout?: string;
}

/** What one toolchain makes of one folder. */
interface Recognised {
  /** The file that named it, for the finding line. */
  seen: string;
  /** What else the finding says about it ("module example.com/x", "workspace"). */
  detail?: string;
  /** The executable the commands need on PATH (undefined: nothing to check, e.g. a wrapper script). */
  tool?: string;
  commands: Command[];
  /** Extra words for the finding (what was seen and not used, and why). */
  more?: string[];
  notes?: string[];
}

interface Kind {
  title: string;
  /** How to get the tool when it is missing. */
  install: string;
  recognise(dir: string): Recognised | undefined;
}

const quote = (name: string) => (/^[\w./-]+$/.test(name) ? name : `"${name.replace(/(["\\$`])/g, '\\$1')}"`);

/** Whether a wrapper script is there; run with sh when it lost its executable bit (a Windows checkout). */
function wrapper(dir: string, name: string): string | undefined {
  const file = path.join(dir, name);
  try {
    if (!fs.statSync(file).isFile()) return undefined;
  } catch {
    return undefined;
  }
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return `./${name}`;
  } catch {
    return `sh ./${name}`;
  }
}

/** The targets a Makefile defines (`name:` at the start of a line, not `:=` assignments). */
export function makeTargets(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^([A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*::?(?![:=])/gm))
    for (const t of m[1]!.split(/[ \t]+/)) out.add(t);
  return out;
}

const MAKEFILES = ['GNUmakefile', 'makefile', 'Makefile'];

const GO: Kind = {
  title: 'Go',
  install: installHint('go'),
  recognise(dir) {
    const mod = readText(path.join(dir, 'go.mod'));
    if (mod === undefined && !exists(dir, 'go.work')) return undefined;
    const module = /^module\s+(\S+)/m.exec(mod ?? '')?.[1];
    return {
      seen: `go.${mod === undefined ? 'work' : 'mod'}`,
      detail: module && `module ${module}`,
      tool: 'go',
      commands: [
        { name: 'Go build', run: 'go build ./...', timeout: '20m' },
        { name: 'Go tests', run: 'go test ./...', timeout: '30m' },
      ],
    };
  },
};

const RUST: Kind = {
  title: 'Rust',
  install: installHint('cargo'),
  recognise(dir) {
    const toml = readText(path.join(dir, 'Cargo.toml'));
    if (toml === undefined) return undefined;
    const workspace = /^\[workspace\]/m.test(toml);
    return {
      seen: 'Cargo.toml',
      detail: workspace ? 'workspace' : undefined,
      tool: 'cargo',
      commands: [
        { name: 'Cargo build', run: `cargo build${workspace ? ' --workspace' : ''}`, timeout: '30m' },
        { name: 'Cargo tests', run: `cargo test${workspace ? ' --workspace' : ''}`, timeout: '30m' },
      ],
    };
  },
};

const MAVEN: Kind = {
  title: 'Maven',
  install: installHint('mvn'),
  recognise(dir) {
    if (!exists(dir, 'pom.xml')) return undefined;
    const mvnw = wrapper(dir, 'mvnw');
    const gradle = ['build.gradle', 'build.gradle.kts'].find((f) => exists(dir, f));
    return {
      seen: `pom.xml${mvnw ? ' and mvnw' : ''}`,
      tool: mvnw ? 'java' : 'mvn',
      commands: [{ name: 'Maven build and tests', run: `${mvnw ?? 'mvn'} -B verify`, timeout: '30m' }],
      more: gradle ? [`${gradle} seen but not used (pom.xml builds the same folder)`] : [],
      notes: mvnw
        ? ['./mvnw downloads Maven and the dependencies on first use: the first run needs the network.']
        : [],
    };
  },
};

const GRADLE: Kind = {
  title: 'Gradle',
  install: installHint('gradle'),
  recognise(dir) {
    const file = ['build.gradle.kts', 'build.gradle', 'settings.gradle.kts', 'settings.gradle'].find((f) =>
      exists(dir, f),
    );
    if (!file || exists(dir, 'pom.xml')) return undefined;
    const gradlew = wrapper(dir, 'gradlew');
    return {
      seen: `${file}${gradlew ? ' and gradlew' : ''}`,
      tool: gradlew ? 'java' : 'gradle',
      commands: [
        // `build` compiles, tests and checks; --no-daemon leaves no Gradle process behind the run.
        { name: 'Gradle build and tests', run: `${gradlew ?? 'gradle'} build --no-daemon`, timeout: '30m' },
      ],
      notes: gradlew
        ? ['./gradlew downloads Gradle and the dependencies on first use: the first run needs the network.']
        : [],
    };
  },
};

const DOTNET: Kind = {
  title: '.NET',
  install: installHint('dotnet'),
  recognise(dir) {
    const files = filesIn(dir);
    const solutions = files.filter((f) => /\.slnx?$/i.test(f));
    const projects = files.filter((f) => /\.(cs|fs|vb)proj$/i.test(f));
    if (!solutions.length && !projects.length) return undefined;
    // `dotnet build` refuses a folder with more than one project or solution: name one then.
    const target = solutions[0] ?? projects[0]!;
    const arg = solutions.length + projects.length > 1 ? ` ${quote(target)}` : '';
    const others = [...solutions, ...projects].filter(
      (f) => f !== target && !(solutions.length && projects.includes(f)),
    );
    return {
      seen: target,
      tool: 'dotnet',
      commands: [
        { name: '.NET build', run: `dotnet build${arg}`, timeout: '20m' },
        { name: '.NET tests', run: `dotnet test${arg}`, timeout: '30m' },
      ],
      more: others.length ? [`${others.join(', ')} seen but not used (offload builds ${target})`] : [],
    };
  },
};

const CMAKE: Kind = {
  title: 'CMake',
  install: installHint('cmake'),
  recognise(dir) {
    const text = readText(path.join(dir, 'CMakeLists.txt'));
    if (text === undefined) return undefined;
    const tests = /\b(enable_testing|add_test|include\s*\(\s*CTest)\b/i.test(text);
    return {
      seen: 'CMakeLists.txt',
      detail: tests ? 'with tests' : 'no tests',
      tool: 'cmake',
      commands: [
        { name: 'CMake configure', run: 'cmake -S . -B build' },
        { name: 'CMake build', run: 'cmake --build build', timeout: '30m' },
        ...(tests
          ? [{ name: 'CTest', run: 'ctest --test-dir build --output-on-failure', timeout: '30m' }]
          : []),
      ],
      notes: tests
        ? []
        : ['CMakeLists.txt has no enable_testing()/add_test(): add a ctest step once it has tests.'],
    };
  },
};

const LANGUAGE_KINDS: readonly Kind[] = [GO, RUST, MAVEN, GRADLE, DOTNET, CMAKE];

/** Manifests that another detector builds from; a Makefile beside one is only noted. */
const OTHER_MANIFESTS = ['package.json', 'pyproject.toml', 'setup.py', 'requirements.txt'];

const MAKE: Kind = {
  title: 'Make',
  install: 'install make (build-essential, Xcode command line tools, or your package manager)',
  recognise(dir) {
    const file = MAKEFILES.find((f) => exists(dir, f));
    if (!file) return undefined;
    const targets = makeTargets(readText(path.join(dir, file)) ?? '');
    const test = ['test', 'check'].find((t) => targets.has(t));
    const claimed =
      LANGUAGE_KINDS.some((k) => k.recognise(dir)) || OTHER_MANIFESTS.some((m) => exists(dir, m));
    if (!test || claimed) return undefined;
    const build = ['build', 'all'].find((t) => targets.has(t));
    return {
      seen: file,
      detail: `targets ${[build, test].filter(Boolean).join(', ')}`,
      tool: 'make',
      commands: [
        ...(build
          ? [{ name: 'Make build', run: build === 'all' ? 'make' : 'make build', timeout: '30m' }]
          : []),
        { name: 'Make tests', run: `make ${test}`, timeout: '30m' },
      ],
    };
  },
};

/** The first step where `tool` is missing: it says how to get it, and passes once it is installed. */
function requireTool(tool: string, title: string, install: string, cwd: string | undefined) {
  const message = `${tool} is not installed here (needed by the ${title} steps): ${install}`;
  return runStep(
    inFolder(`${title} toolchain (${tool}) is installed`, cwd),
    `command -v ${tool} >/dev/null 2>&1 || { echo ${JSON.stringify(message)} >&2; exit 127; }`,
    {
      cwd,
      comment: [`${tool} was not on PATH when offload init ran; this step passes once it is installed.`],
    },
  );
}

function addProject(plan: Plan, tools: Toolchain, kind: Kind, dir: string, r: Recognised): void {
  const cwd = relCwd(plan.root, dir);
  const where = cwd ? `${cwd}/` : '';
  const missing = r.tool !== undefined && !tools.which(r.tool);
  const run = r.commands.map((c) => c.run).join(', ');
  plan.findings.push(
    recognised(
      `${where}${r.seen} (${[kind.title, r.detail].filter(Boolean).join(', ')}): ${run}` +
        (missing ? ` — ${r.tool} is not on PATH here: ${kind.install}` : '') +
        (r.more?.length ? `; ${r.more.join('; ')}` : ''),
    ),
  );
  if (missing) {
    plan.findings.push(toDo(`install ${r.tool} (for ${where}${r.seen}): ${kind.install}`));
    plan.steps.local.push(requireTool(r.tool!, kind.title, kind.install, cwd));
  }
  for (const c of r.commands)
    plan.steps.local.push(runStep(inFolder(c.name, cwd), c.run, { cwd, timeout: c.timeout }));
  if (r.notes?.length) plan.notes.local.push([`${kind.title}${cwd ? ` in ${where}` : ''}:`, ...r.notes]);
}

/** Go, Rust, Maven, Gradle, .NET, CMake and Make projects: the folder itself, else its sub-folders. */
export const detectToolchains: Detector = (plan, tools) => {
  for (const kind of [...LANGUAGE_KINDS, MAKE]) {
    for (const dir of projectDirs(plan.root, (d) => kind.recognise(d) !== undefined)) {
      addProject(plan, tools, kind, dir, kind.recognise(dir)!);
    }
  }
};

/** A Makefile `deploy` target: the project's own deploy, run in aws-deploy when nothing else deploys. */
export const detectMakeDeploy: Detector = (plan) => {
  if (plan.steps['aws-deploy'].length) return;
  const file = MAKEFILES.find((f) => exists(plan.root, f));
  if (!file || !makeTargets(readText(path.join(plan.root, file)) ?? '').has('deploy')) return;
  plan.findings.push(recognised(`${file}: target deploy run in aws-deploy (review it)`));
  plan.steps['aws-deploy'].push(
    runStep('make deploy', 'make deploy', {
      comment: [
        `TODO: review: runs the deploy target of ${file}, with the AWS credentials of your environment;`,
        'pass what it needs (stage, region) as make variables or under env:.',
      ],
      timeout: '1h',
    }),
  );
};
