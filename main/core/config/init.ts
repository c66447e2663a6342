/**
 * `offload init`: a commented starter offload.yml prefilled from what the project contains (package.json
 * scripts, Python/pytest, Dockerfile, cdk.json, Terraform, docker compose). Only `run`, `http` and `tcp` steps
 * are written; steps the user must fill fail on purpose (`echo "TODO: …" && exit 1`) so nothing pretends to pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SCHEMA_URL } from './schema';
import { slugify } from './load';

interface InitStep {
  /** Comment lines written above the step. */
  comment?: string[];
  id?: string;
  name: string;
  run?: string;
  tcp?: string;
  shell?: string;
  cwd?: string;
  timeout?: string;
}

interface Plan {
  name: string;
  findings: string[];
  local: InitStep[];
  prepare: InitStep[];
  deploy: InitStep[];
  test: InitStep[];
  shutdown: InitStep[];
  notes: string[];
}

const IGNORED_DIRS = new Set([
  'node_modules',
  '.git',
  '.terraform',
  'dist',
  'build',
  '.venv',
  'venv',
  'cdk.out',
]);

const exists = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The folder itself, then its direct sub-folders (sorted, skipping build and dependency folders). */
function candidateDirs(dir: string): string[] {
  let subs: string[] = [];
  try {
    subs = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !IGNORED_DIRS.has(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    // unreadable: only the folder itself
  }
  return [dir, ...subs.map((s) => path.join(dir, s))];
}

function relCwd(root: string, dir: string): string | undefined {
  const rel = path.relative(root, dir);
  return rel ? rel.split(path.sep).join('/') : undefined;
}

function todoStep(name: string, what: string, comment?: string[]): InitStep {
  return { name: `TODO: ${name}`, run: `echo "TODO: ${what}" && exit 1`, comment };
}

function detectNode(dir: string, plan: Plan): void {
  const text = readText(path.join(dir, 'package.json'));
  if (text === undefined) return;
  let pkg: { name?: unknown; scripts?: Record<string, unknown> };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch {
    plan.findings.push('package.json (not valid JSON: skipped)');
    return;
  }
  if (typeof pkg.name === 'string' && pkg.name) plan.name = pkg.name.replace(/^@[^/]+\//, '');
  const pm = exists(dir, 'pnpm-lock.yaml')
    ? { install: 'pnpm install --frozen-lockfile', run: 'pnpm run', lock: 'pnpm-lock.yaml' }
    : exists(dir, 'yarn.lock')
      ? { install: 'yarn install --frozen-lockfile', run: 'yarn run', lock: 'yarn.lock' }
      : exists(dir, 'package-lock.json') || exists(dir, 'npm-shrinkwrap.json')
        ? { install: 'npm ci', run: 'npm run', lock: 'package-lock.json' }
        : { install: 'npm install', run: 'npm run', lock: undefined };
  const scripts = pkg.scripts ?? {};
  const has = (s: string) => typeof scripts[s] === 'string' && !/no test specified/.test(String(scripts[s]));
  const found = ['build', 'lint', 'test', 'start'].filter(has);
  plan.findings.push(
    `package.json${found.length ? `: scripts ${found.join(', ')}` : ' (no build/test/lint/start scripts)'}; install with \`${pm.install}\`${pm.lock ? ` (${pm.lock})` : ''}`,
  );
  plan.local.push({ name: 'Install dependencies', run: pm.install, timeout: '10m' });
  if (has('lint')) plan.local.push({ name: 'Lint', run: `${pm.run} lint` });
  if (has('build')) plan.local.push({ name: 'Build', run: `${pm.run} build` });
  if (has('test')) plan.local.push({ name: 'Unit tests', run: `${pm.run} test` });
  else plan.local.push(todoStep('unit tests', 'add a test script to package.json and run it here'));
  if (has('start')) {
    plan.notes.push(
      `package.json has a start script (\`${pm.run} start\`). A run step waits for its command to end, so start`,
      'long-running servers with docker compose (see below) or a script that starts them in the background,',
      'then check them with an http step, e.g.:',
      '  - name: Service answers',
      '    http: { url: "http://127.0.0.1:3000/health", status: 200 }',
      '    retries: 10',
      '    retry-delay: 1s',
    );
  }
}

function detectPython(dir: string, plan: Plan): void {
  const pyproject = readText(path.join(dir, 'pyproject.toml'));
  const reqFiles = [
    'requirements.txt',
    'requirements-dev.txt',
    'requirements_dev.txt',
    'dev-requirements.txt',
  ].filter((f) => exists(dir, f));
  const markers = ['pytest.ini', 'setup.py', 'setup.cfg', 'tox.ini'].filter((f) => exists(dir, f));
  if (pyproject === undefined && !reqFiles.length && !markers.length) return;
  const texts = [
    pyproject ?? '',
    ...[...reqFiles, ...markers].map((f) => readText(path.join(dir, f)) ?? ''),
  ].join('\n');
  const pytest = exists(dir, 'pytest.ini') || exists(dir, 'conftest.py') || /pytest/i.test(texts);
  const nameMatch = pyproject?.match(/^\s*name\s*=\s*["']([^"']+)["']/m);
  if (nameMatch?.[1] && plan.name === path.basename(dir)) plan.name = nameMatch[1];
  let install: string;
  let runner = 'python -m';
  if (exists(dir, 'uv.lock')) {
    install = 'uv sync';
    runner = 'uv run';
  } else if (exists(dir, 'poetry.lock') || /\[tool\.poetry\]/.test(pyproject ?? '')) {
    install = 'poetry install';
    runner = 'poetry run';
  } else if (reqFiles.length) {
    install = `python -m pip install ${reqFiles.map((f) => `-r ${f}`).join(' ')}`;
  } else if (pyproject !== undefined || exists(dir, 'setup.py')) {
    install = 'python -m pip install -e .';
  } else {
    install = 'python -m pip install -r requirements.txt';
  }
  const seen = [...(pyproject !== undefined ? ['pyproject.toml'] : []), ...reqFiles, ...markers];
  plan.findings.push(`Python (${seen.join(', ')})${pytest ? ': pytest' : ''}`);
  plan.local.push({
    name: 'Install Python dependencies',
    run: install,
    timeout: '10m',
    comment: ['Runs in the active Python environment: activate your virtualenv before `offload run`.'],
  });
  if (pytest)
    plan.local.push({
      name: 'Python tests',
      run: runner === 'python -m' ? 'python -m pytest' : `${runner} pytest`,
    });
  else plan.local.push(todoStep('Python tests', 'run your Python tests here (pytest was not found)'));
}

function detectDocker(dir: string, plan: Plan): void {
  if (!exists(dir, 'Dockerfile')) return;
  const image = slugify(plan.name).replace(/_/g, '-');
  plan.findings.push(
    'Dockerfile: local image build, then a tagged push in aws-prepare (publishes output `image`)',
  );
  plan.local.push({ name: 'Build Docker image', run: `docker build -t ${image}:local .`, timeout: '20m' });
  plan.prepare.push({
    comment: [
      'TODO: set REGISTRY to your ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/' +
        image +
        '),',
      'in your environment or under `env:`, and log in to it first, e.g.:',
      '  aws ecr get-login-password | docker login --username AWS --password-stdin "${REGISTRY%%/*}"',
      'Later steps use the pushed image as ${{ steps.image.outputs.image }}.',
    ],
    id: 'image',
    name: 'Push Docker image',
    shell: 'bash',
    timeout: '30m',
    run: [
      'REGISTRY="${REGISTRY:?TODO: set REGISTRY to your ECR repository URI}"',
      'TAG="$(git rev-parse --short HEAD 2>/dev/null || echo dev)-$(date -u +%Y%m%d%H%M%S)"',
      'docker build -t "$REGISTRY:$TAG" .',
      'docker push "$REGISTRY:$TAG"',
      'echo "image=$REGISTRY:$TAG" >> "$OFFLOAD_OUTPUT"',
    ].join('\n'),
  });
}

function detectCdk(root: string, plan: Plan): void {
  const dir = candidateDirs(root).find((d) => exists(d, 'cdk.json'));
  if (!dir) return;
  const cwd = relCwd(root, dir);
  plan.findings.push(`cdk.json${cwd ? ` (in ${cwd}/)` : ''}: cdk synth locally, cdk deploy in aws-prepare`);
  plan.local.push({ name: 'CDK synth', run: 'npx cdk synth --quiet', cwd, timeout: '10m' });
  plan.prepare.push({
    comment: [
      'Deploys every CDK stack to the AWS account of your current credentials: check before the first run.',
    ],
    name: 'CDK deploy',
    run: 'npx cdk deploy --all --require-approval never',
    cwd,
    timeout: '1h',
  });
}

function detectTerraform(root: string, plan: Plan): void {
  const dir = candidateDirs(root).find((d) => {
    try {
      return fs.readdirSync(d).some((f) => f.endsWith('.tf'));
    } catch {
      return false;
    }
  });
  if (!dir) return;
  const cwd = relCwd(root, dir);
  plan.findings.push(
    `Terraform (*.tf${cwd ? ` in ${cwd}/` : ''}): validate locally, plan and apply in aws-prepare`,
  );
  plan.local.push({
    name: 'Terraform init (no backend)',
    run: 'terraform init -backend=false -input=false',
    cwd,
  });
  plan.local.push({ name: 'Terraform syntax check', run: 'terraform validate', cwd });
  plan.prepare.push(
    { name: 'Terraform init', run: 'terraform init -input=false', cwd },
    { name: 'Terraform plan', run: 'terraform plan -input=false -out=tfplan', cwd, timeout: '30m' },
    {
      comment: [
        'Applies the plan above to the AWS account of your current credentials: check before the first run.',
      ],
      name: 'Terraform apply',
      run: 'terraform apply -input=false tfplan',
      cwd,
      timeout: '1h',
    },
  );
}

function detectCompose(dir: string, plan: Plan): void {
  const file = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].find((f) =>
    exists(dir, f),
  );
  if (!file) return;
  let services: Record<string, { ports?: unknown[] }> = {};
  try {
    const doc = parseYaml(readText(path.join(dir, file)) ?? '') as { services?: typeof services } | null;
    services = doc?.services && typeof doc.services === 'object' ? doc.services : {};
  } catch {
    plan.findings.push(`${file} (not valid YAML: skipped)`);
    return;
  }
  const names = Object.keys(services);
  plan.findings.push(
    `${file}: services ${names.join(', ') || '(none)'}; started and checked locally, stopped at shutdown`,
  );
  const composeArg = file.startsWith('docker-compose') ? ` -f ${file}` : '';
  plan.local.push({
    name: 'Start dev system (docker compose)',
    run: `docker compose${composeArg} up -d --build --wait`,
    timeout: '10m',
  });
  for (const name of names) {
    for (const port of services[name]?.ports ?? []) {
      const host = publishedPort(port);
      if (host) plan.local.push({ name: `${name} answers on port ${host}`, tcp: `127.0.0.1:${host}` });
    }
  }
  plan.shutdown.push({ name: 'Stop dev system (docker compose)', run: `docker compose${composeArg} down` });
}

/** The host port of a compose `ports:` entry ("8080:80", "127.0.0.1:5432:5432", {published: 8080}). */
function publishedPort(entry: unknown): number | undefined {
  if (typeof entry === 'number') return entry;
  if (typeof entry === 'string') {
    const parts = entry.replace(/\/(tcp|udp)$/, '').split(':');
    const host = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
    return host && /^\d+$/.test(host) ? Number(host) : undefined;
  }
  if (entry && typeof entry === 'object') {
    const p = (entry as { published?: unknown }).published;
    if (typeof p === 'number' || (typeof p === 'string' && /^\d+$/.test(p))) return Number(p);
  }
  return undefined;
}

/** A YAML scalar for `text` at `indent` (plain when safe, quoted, or a literal block for several lines). */
function scalar(text: string, indent: number): string {
  if (text.includes('\n')) {
    const pad = ' '.repeat(indent + 2);
    return `|\n${text
      .split('\n')
      .map((l) => (l ? pad + l : ''))
      .join('\n')}`;
  }
  return stringifyYaml(text, { lineWidth: 0 }).trimEnd();
}

function renderSteps(steps: InitStep[], indent = 6): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const s of steps) {
    for (const c of s.comment ?? []) out.push(`${pad}# ${c}`);
    const fields: [string, string | undefined][] = [
      ['id', s.id],
      ['name', s.name],
      ['shell', s.shell],
      ['cwd', s.cwd],
      ['timeout', s.timeout],
      ['run', s.run],
      ['tcp', s.tcp],
    ];
    let first = true;
    for (const [k, v] of fields) {
      if (v === undefined) continue;
      out.push(`${pad}${first ? '- ' : '  '}${k}: ${scalar(v, indent + 2)}`);
      first = false;
    }
  }
  return out;
}

function phaseBlock(id: string, header: string[], steps: InitStep[], emptyHint: string[]): string[] {
  const out = ['', ...header.map((h) => `  # ${h}`), `  ${id}:`];
  if (steps.length) return [...out, '    steps:', ...renderSteps(steps)];
  return [...out, '    steps: []', ...emptyHint.map((h) => `    # ${h}`)];
}

/**
 * Writes the text of a starter offload.yml for the project in `dir`, with what it found (one line each).
 * The text always loads cleanly; TODO steps fail on purpose until the user fills them in.
 */
export function initConfig(dir: string): { text: string; findings: string[] } {
  const root = path.resolve(dir);
  const plan: Plan = {
    name: path.basename(root),
    findings: [],
    local: [],
    prepare: [],
    deploy: [],
    test: [],
    shutdown: [],
    notes: [],
  };
  detectNode(root, plan);
  detectPython(root, plan);
  detectCdk(root, plan);
  detectTerraform(root, plan);
  detectDocker(root, plan);
  detectCompose(root, plan);
  if (!plan.local.length) {
    plan.local.push(
      todoStep('build', 'build the project here', [
        'Nothing to build was recognised: put your build command here.',
      ]),
      todoStep('tests', 'run the tests here'),
    );
  }
  const imageRef = plan.prepare.some((s) => s.id === 'image');
  plan.deploy.push(
    todoStep('deploy to AWS', 'deploy to AWS here, then edit phases.aws-deploy in offload.yml', [
      'TODO: deploy your services and models. On ECS, replace this step with an ecs-deploy step, e.g.:',
      `  - ecs-deploy: { cluster: my-cluster, service: my-service${imageRef ? ', image: "${{ steps.image.outputs.image }}"' : ''} }`,
      'and see offload.schema.json (your editor completes it) for the options.',
    ]),
  );
  plan.test.push(
    todoStep(
      'check the deployed service',
      'check the deployed service, then edit phases.aws-test in offload.yml',
      [
        'TODO: check what runs on AWS, e.g. an http step against its public health URL:',
        '  - name: API answers on AWS',
        '    http: { url: "https://api.example.com/health", status: 200 }',
        '    retries: 10',
        '    retry-delay: 5s',
      ],
    ),
  );
  const lines: string[] = [
    `# yaml-language-server: $schema=${SCHEMA_URL}`,
    '#',
    `# Offload config, written by \`offload init\`${plan.findings.length ? ' from what it found:' : ' (nothing recognised).'}`,
    ...plan.findings.map((f) => `#   - ${f}`),
    '#',
    '# The rule: build & test locally -> prepare and deploy on AWS -> test on AWS -> shut the local dev system',
    '# down -> keep watching. A failed step stops the run; no AWS phase runs unless `local` passed on the same',
    '# source. Steps named TODO fail on purpose until you fill them in; then run `offload validate`.',
    '# Step keys: name, id, run (+ shell: bash|sh|pwsh|powershell|cmd|python), http, tcp, env, cwd,',
    '# timeout ("5m"), retries, retry-delay, continue-on-error. A step publishes outputs by writing key=value',
    '# lines to the file named by $OFFLOAD_OUTPUT; later steps read ${{ steps.<id>.outputs.<key> }}.',
    '',
    `name: ${scalar(plan.name || 'my-project', 0)}`,
    '',
    '# env: { NODE_ENV: test }      # environment for every step',
    '# secrets: [DB_PASSWORD]       # environment variables whose values are masked in logs and history',
    '',
    'phases:',
    ...phaseBlock('local', ['1. Local build, tests and dev-system check.'], plan.local, []),
    ...(plan.notes.length ? ['', ...plan.notes.map((n) => `      # ${n}`)] : []),
    ...phaseBlock(
      'aws-prepare',
      ['2. AWS preparation: infrastructure, images (`offload run infrastructure`).'],
      plan.prepare,
      ['Nothing recognised (Dockerfile, cdk.json, *.tf). Add steps that prepare AWS, e.g. push an image.'],
    ),
    ...phaseBlock(
      'aws-deploy',
      ['3. AWS deployment (`offload run services`). aws-test must follow it.'],
      plan.deploy,
      [],
    ),
    ...phaseBlock(
      'aws-test',
      ['4. AWS testing: is what runs on AWS healthy? (`offload run test`)'],
      plan.test,
      [],
    ),
    ...phaseBlock(
      'shutdown',
      ['5. Dev-system shutdown: stop local model servers, point dev tools at AWS.'],
      plan.shutdown,
      ['e.g. - stop-local-models: {}   (see offload.schema.json for the options)'],
    ),
    ...phaseBlock(
      'monitor',
      ['6. Keep watching AWS for issues.'],
      [],
      ['e.g. - cloudwatch-alarms-ok: {}   (see offload.schema.json for the options)'],
    ),
    '',
    '# Entry points (defaults shown; list a name to change it, or add your own):',
    '# workflows:',
    '#   full: [local, aws-prepare, aws-deploy, aws-test, shutdown, monitor]',
    '#   services: [local, aws-deploy, aws-test]',
    '#   infrastructure: [local, aws-prepare]',
    '#   test: [aws-test]',
    '#   shutdown: [shutdown]',
    '',
    '# history: { keep: 50, max-size: 200MB }',
    '',
  ];
  return { text: lines.join('\n'), findings: plan.findings };
}
