/**
 * Containers: a Dockerfile (built and pushed in aws-prepare) and docker compose (its file checked locally when
 * `docker compose` is installed). Starting containers needs the Docker engine running, so the local phase
 * leaves it to a commented example rather than a step that fails wherever Docker is not up.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { slugify } from '../config/load';
import { CATALOGUE } from '../machine/catalogue';
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

/** The images model servers publish (the repository, without registry host or tag) -> catalogue id. */
const MODEL_IMAGES: Readonly<Record<string, string>> = {
  'ollama/ollama': 'ollama',
  'vllm/vllm-openai': 'vllm',
  'ggml-org/llama.cpp': 'llama.cpp',
  'ggerganov/llama.cpp': 'llama.cpp',
  'huggingface/text-generation-inference': 'tgi',
  'lmsysorg/sglang': 'sglang',
  'localai/localai': 'localai',
  'koboldcpp/koboldcpp': 'koboldcpp',
};

/**
 * The model server a compose service runs (its title), from its image or, built locally, its name; undefined
 * for anything else. Its process runs in a container (root's, in Docker's VM…): `stop-local-models` does not
 * signal it, `docker compose stop` does.
 */
function composeModelServer(name: string, service: { image?: unknown } | null): string | undefined {
  const image = typeof service?.image === 'string' ? service.image.toLowerCase() : '';
  const repo = image
    .replace(/[@:][^/]*$/, '') // tag or digest
    .split('/')
    .filter((part, i, all) => !(i === 0 && all.length > 2) && !(i === 0 && /[.:]/.test(part))) // registry host
    .join('/');
  const id =
    MODEL_IMAGES[repo] ?? (image ? undefined : CATALOGUE.find((e) => e.id === name.toLowerCase())?.id);
  return id && CATALOGUE.find((e) => e.id === id)?.title;
}

/** A compose file: `config --quiet` locally and `down` at shutdown where docker compose works; notes on starting it. */
export const detectCompose: Detector = (plan, tools) => {
  const file = COMPOSE_FILES.find((f) => exists(plan.root, f));
  if (!file) return;
  let services: Record<string, { ports?: unknown[]; image?: unknown } | null> = {};
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
  const models = names.flatMap((n) => {
    const title = composeModelServer(n, services[n] ?? null);
    return title ? [{ name: n, title }] : [];
  });
  const shown = names.map((n) => {
    const model = models.find((m) => m.name === n);
    return model ? `${n} (a local model server: ${model.title})` : n;
  });
  plan.findings.push({
    kind: usable ? 'recognised' : 'seen-not-used',
    text: `${file}: services ${shown.join(', ') || '(none)'}; ${usable ? 'file checked locally, stopped at shutdown' : '`docker compose` is not installed here: nothing run'}`,
  });
  // the model containers first: the rule's shutdown is about them, whatever becomes of the rest
  const stopModels = `${compose} stop ${models.map((m) => m.name).join(' ')}`;
  if (usable) {
    plan.steps.local.push(runStep('Compose file is valid', `${compose} config --quiet`));
    if (models.length)
      plan.steps.shutdown.push(runStep('Stop the local model containers (docker compose)', stopModels));
    plan.steps.shutdown.push(runStep('Stop dev system (docker compose)', `${compose} down`));
  } else {
    if (models.length)
      plan.notes.shutdown.push([
        `${models.map((m) => m.name).join(', ')} in ${file} ${models.length === 1 ? 'runs a local model server in a container' : 'run local model servers in containers'}; with docker compose installed, stop ${models.length === 1 ? 'it' : 'them'} here: ${stopModels}`,
      ]);
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
