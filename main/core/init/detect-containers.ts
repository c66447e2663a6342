/**
 * Containers: a Dockerfile (built and pushed in aws-prepare) and docker compose (its file checked locally when
 * `docker compose` is installed). Starting containers needs the Docker engine running, so the local phase
 * leaves it to a commented example rather than a step that fails wherever Docker is not up.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { slugify } from '../config/load';
import {
  exists,
  inFolder,
  readText,
  relCwd,
  runStep,
  treeDirs,
  type Detector,
  recognised,
  seenNotUsed,
} from './plan';

/** The step id of the image built from `cwd` (`image` for the project folder, `image-<folder>` otherwise). */
const imageId = (cwd: string | undefined) => (cwd ? `image-${slugify(cwd).replace(/_/g, '-')}` : 'image');

/**
 * Every Dockerfile (the project folder and sub-folders two levels down, as a monorepo lays out its services):
 * a tagged build and push in aws-prepare each, a note on building it locally.
 */
export const detectDockerfile: Detector = (plan) => {
  for (const dir of treeDirs(plan.root, 2).filter((d) => exists(d, 'Dockerfile'))) {
    const cwd = relCwd(plan.root, dir);
    const id = imageId(cwd);
    const image = slugify(cwd ? path.basename(dir) : plan.name).replace(/_/g, '-');
    const where = cwd ? `${cwd}/` : '';
    plan.findings.push(
      recognised(
        `${where}Dockerfile: built and pushed in aws-prepare (publishes output \`image\` of step ${id})`,
      ),
    );
    plan.notes.local.push([
      `${where}Dockerfile: \`docker build -t ${image}:local ${cwd ?? '.'}\` needs the Docker engine running, so it is not`,
      'a local step here; add it if Docker is always up where you run offload.',
    ]);
    const registry = cwd
      ? `REGISTRY_${slugify(path.basename(dir)).toUpperCase().replace(/-/g, '_')}`
      : 'REGISTRY';
    plan.steps['aws-prepare'].push(
      runStep(
        inFolder('Push Docker image', cwd),
        [
          `REGISTRY="\${${registry}:?TODO: set ${registry} to your ECR repository URI}"`,
          'TAG="$(git rev-parse --short HEAD 2>/dev/null || echo dev)-$(date -u +%Y%m%d%H%M%S)"',
          'docker build -t "$REGISTRY:$TAG" .',
          'docker push "$REGISTRY:$TAG"',
          'echo "image=$REGISTRY:$TAG" >> "$OFFLOAD_OUTPUT"',
        ].join('\n'),
        {
          comment: [
            `TODO: set ${registry} to your ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/${image}),`,
            'in your environment or under `env:`, and log in to it first, e.g.:',
            `  aws ecr get-login-password | docker login --username AWS --password-stdin "\${${registry}%%/*}"`,
            `Later steps use the pushed image as \${{ steps.${id}.outputs.image }}.`,
          ],
          id,
          cwd,
          shell: 'bash',
          timeout: '30m',
        },
      ),
    );
  }
};

const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** A compose file: `config --quiet` locally and `down` at shutdown where docker compose works; notes on starting it. */
export const detectCompose: Detector = (plan, tools) => {
  const file = COMPOSE_FILES.find((f) => exists(plan.root, f));
  if (!file) return;
  let services: Record<string, { ports?: unknown[] } | null> = {};
  try {
    const doc = parseYaml(readText(path.join(plan.root, file)) ?? '') as { services?: unknown } | null;
    if (doc?.services && typeof doc.services === 'object') services = doc.services as typeof services;
  } catch {
    plan.findings.push(seenNotUsed(`${file} (not valid YAML: skipped)`));
    return;
  }
  const names = Object.keys(services);
  const compose = `docker compose${file.startsWith('docker-compose') ? ` -f ${file}` : ''}`;
  const usable = tools.succeeds('docker', ['compose', 'version']);
  plan.findings.push({
    kind: usable ? 'recognised' : 'seen-not-used',
    text: `${file}: services ${names.join(', ') || '(none)'}; ${usable ? 'file checked locally, stopped at shutdown' : '`docker compose` is not installed here: nothing run'}`,
  });
  if (usable) {
    plan.steps.local.push(runStep('Compose file is valid', `${compose} config --quiet`));
    plan.steps.shutdown.push(runStep('Stop dev system (docker compose)', `${compose} down`));
  } else {
    plan.notes.shutdown.push([`With docker compose installed, stop the dev system here: ${compose} down`]);
  }
  const probes = names.flatMap((name) =>
    (services[name]?.ports ?? []).flatMap((entry) => {
      const port = publishedPort(entry);
      return port ? [`  - name: ${name} answers on port ${port}`, `    tcp: 127.0.0.1:${port}`] : [];
    }),
  );
  plan.notes.local.push([
    `${file}: to start the dev system and check it on each run (needs the Docker engine running), add:`,
    '  - name: Start dev system (docker compose)',
    `    run: ${compose} up -d --build --wait`,
    '    timeout: 10m',
    ...probes,
  ]);
};

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
