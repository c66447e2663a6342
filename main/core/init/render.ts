/** Writes a filled plan as the text of a commented offload.yml (steps, notes, the switch section). */
import { stringify as stringifyYaml } from 'yaml';
import { escapeHiddenInJson, visibleText } from '../boundary/text';
import { DEFAULT_WORKFLOWS } from '../config/schema';
import { PHASES, type PhaseId } from '../workflow/types';
import type { InitStep, Plan } from './plan';
import { START_COMMANDS } from './model-endpoints';

/** A YAML scalar for `text` at `indent` (plain when safe, quoted, or a literal block for several lines). */
function scalar(text: string, indent: number): string {
  if (text.includes('\n')) {
    const pad = ' '.repeat(indent + 2);
    return `|\n${text
      .split('\n')
      .map((l) => (l ? pad + l : ''))
      .join('\n')}`;
  }
  // A path or name from the repository holding a control, bidi or zero-width character: written as an escape in
  // a double-quoted scalar, never raw (an editor would show the file reordered or hide part of it)
  const json = JSON.stringify(text);
  const escaped = escapeHiddenInJson(json);
  if (escaped !== json) return escaped;
  return stringifyYaml(text, { lineWidth: 0 }).trimEnd();
}

/** A value on one line: a scalar, or a flow collection (`{ to: aws }`). */
function inline(value: unknown, indent: number): string {
  if (typeof value === 'string') return scalar(value, indent);
  return stringifyYaml(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

function renderSteps(steps: InitStep[], indent = 6): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const s of steps) {
    for (const c of s.comment ?? []) out.push(`${pad}# ${c}`);
    const fields: [string, unknown][] = [
      ['id', s.id],
      ['name', s.name],
      ['shell', s.shell],
      ['cwd', s.cwd],
      ['timeout', s.timeout],
      ['env', s.env],
      [s.kind, s.spec],
    ];
    let first = true;
    for (const [k, v] of fields) {
      if (v === undefined) continue;
      out.push(`${pad}${first ? '- ' : '  '}${k}: ${inline(v, indent + 2)}`);
      first = false;
    }
  }
  return out;
}

const PHASE_HEADERS: Record<PhaseId, string> = {
  local: '1. Local build, tests and dev-system check (`offload run local`; every AWS phase needs it passed).',
  'aws-prepare': '2. AWS preparation: infrastructure, images (`offload run infrastructure`).',
  'aws-deploy': '3. AWS deployment (`offload run services`). aws-test must follow it.',
  'aws-test': '4. AWS testing: is what runs on AWS healthy? (`offload run test`)',
  shutdown:
    '5. Dev-system shutdown: stop local model servers, point dev tools at AWS (`offload run shutdown`).',
  monitor: '6. Keep watching AWS for issues.',
};

const EMPTY_HINTS: Partial<Record<PhaseId, string>> = {
  'aws-prepare':
    'Nothing recognised (Dockerfile, cdk.json, *.tf, SAM, CloudFormation templates, serverless.yml). Add steps that prepare AWS, e.g. push an image.',
};

function phaseBlock(plan: Plan, id: PhaseId): string[] {
  const steps = plan.steps[id];
  const notes = plan.notes[id];
  const hint = EMPTY_HINTS[id];
  const out = ['', `  # ${PHASE_HEADERS[id]}`, `  ${id}:`];
  if (steps.length) out.push('    steps:', ...renderSteps(steps));
  else out.push('    steps: []', ...(hint ? [`    # ${hint}`] : []));
  for (const paragraph of notes) out.push('', ...paragraph.map((n) => `      # ${n}`));
  return out;
}

function switchSection(plan: Plan): string[] {
  if (!plan.switchFiles.length) return [];
  const keys = plan.switchFiles.flatMap((f) => f.keys);
  const servers = [...new Set(keys.flatMap((k) => (k.server.id ? [k.server.id] : [])))];
  const starts = servers.flatMap((id) => (START_COMMANDS[id] ? [START_COMMANDS[id]] : []));
  const out = [
    '',
    '# Dev config switch (`offload switch aws|local`, the shutdown phase, the tray): the local values below are',
    '# what your files hold now. TODO: set each AWS_* variable (under env: or in your environment) to the AWS',
    '# endpoint that replaces it, or give the value from a deploy step in the switch-config step, e.g.',
    `#   switch-config: { to: aws, values: { ${keys[0]!.key}: "\${{ steps.deploy.outputs.url }}" } }`,
    '# Until then, switching to AWS stops with a message naming the variable.',
    'switch:',
    '  files:',
  ];
  for (const f of plan.switchFiles) {
    if (f.example)
      out.push(
        `    # TODO: ${f.path} is not there yet (these keys come from ${f.example}); create it before switching:`,
        `    #   cp ${f.example} ${f.path}`,
      );
    out.push(`    - path: ${scalar(f.path, 6)}`, '      keys:');
    for (const k of f.keys) {
      out.push(
        `        ${scalar(k.key, 8)}: # ${k.server.title}`,
        `          local: ${scalar(k.local, 10)}`,
        `          aws: ${scalar(`\${{ env.${k.awsEnv} }}`, 10)}`,
      );
    }
  }
  if (starts.length) {
    out.push(
      '  # How to start the local model servers again when switching back to local:',
      '  # local-models:',
      `  #   start: ${starts.join(' & ')}`,
    );
  }
  return out;
}

/**
 * The text of offload.yml for a filled plan; `schemaRef` is the `$schema` path (a string[]: no modeline, these
 * comment lines instead; undefined: neither).
 */
export function renderConfig(plan: Plan, schemaRef: string | readonly string[] | undefined): string {
  const awsValues = new Map(
    plan.switchFiles.flatMap((f) => f.keys.map((k) => [k.awsEnv, `${k.key} in ${f.path}`] as const)),
  );
  const lines: string[] = [
    ...(typeof schemaRef === 'string'
      ? [`# yaml-language-server: $schema=${schemaRef}`, '#']
      : schemaRef
        ? [...schemaRef, '#']
        : []),
    `# Offload config, written by \`offload init\`${plan.findings.length ? ' from what it found:' : ' (nothing recognised).'}`,
    ...plan.findings.map((f) => `#   - ${f.text}`),
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
    '# env:                         # environment for every step (and the AWS values of `switch:`)',
    ...(awsValues.size
      ? [...awsValues].map(([env, where]) => `#   ${env}: https://…   # TODO: the AWS endpoint for ${where}`)
      : ['#   NODE_ENV: test']),
    '# secrets: [DB_PASSWORD]       # environment variables whose values are masked in logs and history',
    '',
    'phases:',
    ...PHASES.flatMap((id) => phaseBlock(plan, id)),
    '',
    '# Entry points (defaults shown; list a name to change it, or add your own):',
    '# workflows:',
    ...Object.entries(DEFAULT_WORKFLOWS).map(([n, p]) => `#   ${n}: [${p.join(', ')}]`),
    ...switchSection(plan),
    '',
    '# history: { keep: 50, max-size: 200MB }',
    '',
  ];
  // Comments quote the repository (folder names, findings): what is hidden or reordered there is shown as ⟨U+…⟩
  return lines
    .join('\n')
    .split('\n')
    .map((l) => (/^\s*#/.test(l) ? visibleText(l, { newlines: false }) : l))
    .join('\n');
}
