/**
 * State snapshots of the common states the status window must show at a glance (400 × 560, no scrolling):
 * idle, running, AWS ready, error (a failed run and CloudWatch errors) and unstable (phase 6 after a
 * deployment). Shaped as the core sends them, with realistic sizes (six workflows, 60-point histories, a
 * 40-line tail, three alarms/services/endpoints, long error lines).
 */
import type { OffloadState, PhaseSnapshot, RunSnapshot } from '../../../main/core/state';
import { PHASES, PHASE_TITLES } from '../../../main/core/workflow/types';

/** The phase-6 fields, optional until every core has them. */
export type GlanceState = OffloadState & { phase6?: unknown; drift?: unknown };

const NOW = Date.now();
const iso = (agoMs: number) => new Date(NOW - agoMs).toISOString();
const hist = (off: number) => Array.from({ length: 60 }, (_, k) => 50 + 40 * Math.sin((k + off) / 7));

function phases(upTo: number, status: 'passed' | 'failed' | 'running'): PhaseSnapshot[] {
  const steps: Record<string, string[]> = {
    local: ['Build', 'Tests', 'Dev system check'],
    'aws-prepare': ['Login to ECR', 'Push image'],
    'aws-deploy': ['Deploy api', 'Wait for stability'],
    'aws-test': ['Health', 'Smoke tests', 'Load test'],
    shutdown: ['Stop local models', 'Switch config'],
    monitor: ['Watch CloudWatch'],
  };
  return PHASES.map((id, p) => {
    const st: PhaseSnapshot['status'] = p < upTo ? 'passed' : p === upTo ? status : 'pending';
    return {
      id,
      title: PHASE_TITLES[id],
      status: st,
      steps: steps[id]!.map((name, k) => {
        const last = k === steps[id]!.length - 1;
        const s = st === 'passed' || !last ? (st === 'pending' ? 'pending' : 'passed') : st;
        return {
          id: name.toLowerCase().replace(/\W+/g, '-'),
          name,
          kind: 'run',
          status: s,
          ...(s === 'failed' ? { summary: '2 failed, 41 passed (tests/api.test.ts)' } : {}),
          ...(s === 'passed' ? { durationMs: 4_000 + 1_700 * k + 900 * p } : {}),
          ...(s === 'running' ? { startedAt: iso(12_000) } : {}),
        };
      }),
    };
  });
}

const workflows = (servicesAllowed: boolean, running = false): OffloadState['workflows'] => [
  { name: 'local', phases: ['local'], allowed: !running },
  { name: 'full', phases: [...PHASES], allowed: !running },
  {
    name: 'services',
    phases: ['aws-deploy'],
    allowed: servicesAllowed && !running,
    ...(servicesAllowed ? {} : { reason: 'local phase has not passed on this fingerprint' }),
  },
  { name: 'infrastructure', phases: ['aws-prepare'], allowed: true },
  { name: 'test', phases: ['aws-test'], allowed: false, reason: 'nothing deployed yet' },
  { name: 'shutdown', phases: ['shutdown'], allowed: true },
];

function base(): GlanceState {
  return {
    project: { dir: '/home/dev/inference', name: 'inference', configFile: '/home/dev/inference/offload.yml' },
    trust: { trusted: true, actions: [] },
    configProblems: [],
    run: null,
    history: Array.from({ length: 8 }, (_, k) => ({
      runId: `run-${10 - k}`,
      workflow: k % 2 ? 'local' : 'full',
      status: k % 3 === 1 ? ('failed' as const) : ('passed' as const),
      startedAt: iso((k + 1) * 3_600_000),
      durationMs: 95_000 + k * 1000,
    })),
    workflows: workflows(false),
    machine: {
      at: iso(0),
      cpu: { loadPct: 37, cores: 16 },
      mem: {
        totalBytes: 64 * 2 ** 30,
        usedBytes: 41 * 2 ** 30,
        availableBytes: 23 * 2 ** 30,
        swapTotalBytes: 0,
        swapUsedBytes: 0,
      },
      gpus: [
        {
          index: 0,
          name: 'NVIDIA RTX 4090',
          vendor: 'nvidia',
          utilizationPct: 12,
          memUsedBytes: 3 * 2 ** 30,
          memTotalBytes: 24 * 2 ** 30,
          temperatureC: 48,
        },
      ],
      history: { cpu: hist(0), mem: hist(10), gpu: hist(20) },
      alerts: [],
    },
    models: [],
    aws: {
      gate: 'not-ready',
      reason: 'service inference-api 0/2 running',
      services: [{ cluster: 'dev', service: 'inference-api', status: 'failed', running: 0, desired: 2 }],
      endpoints: [
        {
          name: 'health',
          url: 'https://api.example/health',
          status: 'pending',
          consecutivePasses: 0,
          required: 3,
        },
      ],
      alarms: [{ name: 'inference-5xx', state: 'OK' }],
      recentErrors: [],
      configTarget: 'local',
    },
    monitoringPaused: false,
    notices: [],
  };
}

const readyAws = (): NonNullable<OffloadState['aws']> => ({
  gate: 'ready',
  services: [
    {
      cluster: 'dev',
      service: 'inference-api',
      status: 'passed',
      running: 2,
      desired: 2,
      rollout: 'COMPLETED',
    },
  ],
  endpoints: [
    {
      name: 'health',
      url: 'https://api.example/health',
      status: 'passed',
      consecutivePasses: 3,
      required: 3,
      lastResult: '200 in 84 ms',
    },
  ],
  alarms: [
    { name: 'inference-5xx', state: 'OK' },
    { name: 'inference-latency-p99', state: 'OK' },
  ],
  recentErrors: [],
  configTarget: 'aws',
});

const errorsNow = (deployment?: string): NonNullable<OffloadState['aws']>['recentErrors'] =>
  [
    'ERROR upstream timed out after 30000 ms while calling /v1/embeddings (request id 5f1c2a9e-4b7d-4c1e-9a0b-3f2e1d0c9b8a)',
    'ERROR CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity; 21.10 GiB already allocated)',
    'ERROR Traceback (most recent call last): File "/app/server.py", line 212, in generate: KeyError: \'prompt\'',
  ].map((message, k) => ({
    logGroup: '/ecs/inference-api',
    logStream: `ecs/api/4f0c9e${k}`,
    at: iso((3 - k) * 60_000),
    message,
    count: k + 1,
    consoleUrl: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups',
    ...(deployment ? { deployment } : {}),
  }));

const deployment = { runId: 'run-11', at: iso(9 * 60_000), summary: 'a1b2c3d · inference-api → dev-api:42' };

/** The five common states, by name. */
export function glanceStates(): Record<'idle' | 'running' | 'ready' | 'error' | 'unstable', GlanceState> {
  const idle = base();
  idle.workflows = workflows(false);

  const running = base();
  const run: RunSnapshot = {
    runId: 'run-11',
    workflow: 'full',
    status: 'running',
    startedAt: iso(60_000),
    fingerprint: 'f',
    phases: phases(1, 'running'),
    current: { phase: 'aws-prepare', step: 'Push image' },
    tail: Array.from(
      { length: 40 },
      (_, k) => `#${k} pushing layer sha256:${(k * 7919).toString(16)}… ${k * 2}%`,
    ),
  };
  running.run = run;
  running.workflows = workflows(true, true);
  running.models = [
    {
      pid: 4242,
      ppid: 1,
      server: 'ollama',
      title: 'Ollama',
      exe: '/usr/local/bin/ollama',
      cmdline: 'ollama serve',
      cpuPct: 3,
      rssBytes: 9.2 * 2 ** 30,
      gpuMemBytes: 6 * 2 ** 30,
      ports: [11434],
      loadedModels: [{ name: 'llama3.1:8b', sizeBytes: 5e9 }],
      children: [],
      user: 'dev',
    },
  ];

  const ready = base();
  ready.run = {
    ...run,
    status: 'passed',
    current: undefined,
    phases: phases(6, 'passed'),
    durationMs: 312_000,
  };
  ready.workflows = workflows(true);
  ready.aws = readyAws();
  ready.phase6 = { status: 'stable', since: iso(2 * 60_000), deployment };

  const error = base();
  error.run = {
    ...run,
    workflow: 'local',
    status: 'failed',
    current: undefined,
    phases: phases(0, 'failed').map((p) => (p.id === 'local' ? p : { ...p, status: 'pending' })),
    reason: 'Tests failed',
    durationMs: 41_000,
  };
  error.run.phases = error.run.phases.filter((p) => p.id === 'local');
  error.aws = { ...readyAws(), recentErrors: errorsNow('after deploy of a1b2c3d, 9 min ago') };
  error.workflows = workflows(false);

  const unstable = base();
  unstable.run = { ...ready.run };
  unstable.workflows = workflows(true);
  unstable.aws = {
    ...readyAws(),
    gate: 'not-ready',
    reason: 'alarm inference-5xx in ALARM',
    alarms: [
      { name: 'inference-5xx', state: 'ALARM', reason: 'Threshold Crossed: 5XXError > 5 for 2 datapoints' },
      { name: 'inference-latency-p99', state: 'OK' },
    ],
    recentErrors: errorsNow('after deploy of a1b2c3d, 9 min ago'),
  };
  unstable.phase6 = {
    status: 'unstable',
    since: iso(6 * 60_000),
    firstError: { at: iso(6 * 60_000), message: errorsNow()[0]!.message, source: '/ecs/inference-api' },
    deployment,
  };
  unstable.drift = {
    changed: 3,
    byFolder: { server: 2, '.': 1 },
    files: ['server/app.py', 'server/gen.py', 'offload.yml'],
    deployedRunId: 'run-11',
    deployedAt: deployment.at,
  };
  return { idle, running, ready, error, unstable };
}
