/**
 * Snapshots of state, as the concerns produce them and every front end reads them: runs, phases and steps,
 * the machine and its model servers, AWS, notices. Plain data, below every concern.
 */
import type { PhaseId, Status } from './rule';

export interface StepSnapshot {
  id: string;
  name: string;
  kind: string;
  status: Status;
  reason?: string;
  summary?: string;
  startedAt?: string;
  durationMs?: number;
}

export interface PhaseSnapshot {
  id: PhaseId;
  title: string;
  status: Status;
  reason?: string;
  steps: StepSnapshot[];
}

/** A run as the front ends show it: live for the current run, rebuilt from events.jsonl for old ones. */
export interface RunSnapshot extends RunSummary {
  fingerprint: string;
  phases: PhaseSnapshot[];
  current?: { phase: PhaseId; step: string };
  /** Last lines of the running (or last) step's output, masked. Bounded. */
  tail: string[];
}

/** A run in a history list: what it was and how it ended. */
export interface RunSummary {
  runId: string;
  workflow: string;
  status: Status;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
}

/** Whether an entry point may start now, and if not, exactly why (the gate that is missing). */
export interface WorkflowAvailability {
  name: string;
  phases: PhaseId[];
  allowed: boolean;
  reason?: string;
}

export interface GpuReading {
  index: number;
  name: string;
  vendor: string;
  utilizationPct?: number;
  memUsedBytes?: number;
  memTotalBytes?: number;
  temperatureC?: number;
}

export interface PressureAlert {
  id: string; // 'ram' | 'cpu' | 'gpu-mem:0' | 'model-rss:1234' …
  message: string;
  since: string;
  /** The biggest local model processes at the time, for "deploy them" advice. */
  topModels: { pid: number; title: string; rssBytes: number }[];
}

export interface MachineSnapshot {
  at: string;
  cpu: { loadPct: number; cores: number };
  mem: {
    totalBytes: number;
    usedBytes: number;
    availableBytes: number;
    swapTotalBytes: number;
    swapUsedBytes: number;
  };
  gpus: GpuReading[];
  /** Bounded histories for sparklines (oldest first), percentages 0..100. */
  history: { cpu: number[]; mem: number[]; gpu: number[] };
  alerts: PressureAlert[];
}

export interface LoadedModel {
  name: string;
  sizeBytes: number;
  vramBytes?: number;
}

export interface Supervisor {
  kind:
    | 'systemd'
    | 'launchd'
    | 'windows-service'
    | 'tray-app'
    | 'offload-test-supervisor'
    | 'shell-loop'
    | 'pm2'
    | 'supervisord'
    | 'runit'
    | 's6'
    | 'container';
  name: string;
  /** The supervising process, where it is one (a shell loop, pm2, runsv…): "restarted by pid P". */
  pid?: number;
  /** The command that stops it for good, e.g. `systemctl --user stop ollama`. */
  stopCommand: string;
  needsPrivileges: boolean;
}

/** A local model server process (the catalogue or a user matcher recognised it). */
export interface ModelProcess {
  pid: number;
  ppid: number;
  /** Catalogue or matcher id, e.g. 'ollama', 'llama.cpp', 'vllm'. */
  server: string;
  title: string;
  exe: string;
  cmdline: string;
  cpuPct: number;
  rssBytes: number;
  gpuMemBytes?: number;
  ports: number[];
  loadedModels?: LoadedModel[];
  supervisor?: Supervisor;
  /** Descendant pids that belong to it (e.g. Ollama runners); their cost is included above. */
  children: number[];
  user: string;
}

export interface StopOutcome {
  pid: number;
  title: string;
  result: 'stopped' | 'respawned' | 'refused' | 'failed' | 'would-stop';
  how: string[];
  reason?: string;
  freed?: { rssBytes: number; gpuMemBytes?: number };
  /** The command the user must run (e.g. a privileged systemctl) when Offload cannot. */
  advice?: string;
  /** What the server held just before the stop (absent for refusals and dry runs). */
  held?: HeldResources;
  /** What the machine had free just after the stop (stopped servers only). */
  freeAfter?: FreeAfter;
}

/** A model server's cost just before it was stopped: the evidence behind "what offloading freed". */
export interface HeldResources {
  /** Resident memory of the whole process tree (server and runners). */
  rssBytes: number;
  /** GPU memory of the tree, from the GPU's per-process query (absent: no GPU, or none readable). */
  gpuMemBytes?: number;
  /** GPU memory per process of the tree (pid → bytes), as the per-process query reported it. */
  gpuByPid?: Record<string, number>;
  /** CPU share of the tree at the last process scan (% of one core). */
  cpuPct: number;
  pids: number[];
}

/** Free memory read just after a stop. */
export interface FreeAfter {
  at: string;
  ramAvailableBytes: number;
  /** Free GPU memory summed over the GPUs (absent: no GPU readable). */
  vramFreeBytes?: number;
}

/** What offloading gave back: the last stop, and running totals for today and this week. */
export interface ReliefSummary {
  last?: {
    at: string;
    titles: string[];
    ramBytes: number;
    vramBytes?: number;
    freeAfter?: FreeAfter;
    /** "Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped". */
    text: string;
  };
  today: ReliefTotal;
  week: ReliefTotal;
}

/** Model time AWS served in a window, and what those models would have held here. */
export interface ReliefTotal {
  servedMs: number;
  ramBytes: number;
  vramBytes?: number;
  /** "AWS served 6 h of model time that would have held 9.0 GiB here". */
  text: string;
}

export interface AwsServiceState {
  cluster: string;
  service: string;
  status: Status;
  running?: number;
  desired?: number;
  rollout?: string;
  taskDefinition?: string;
  message?: string;
}

export interface AwsEndpointState {
  name: string;
  url: string;
  status: Status;
  consecutivePasses: number;
  required: number;
  lastResult?: string;
}

export interface AwsAlarmState {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'UNKNOWN';
  reason?: string;
  metric?: string;
}

/** Phase 6 for the latest deployment: watched through its quiet period, then stable, or unstable. */
export interface Phase6State {
  /** 'unobserved': no evidence either way (CloudWatch cannot be seen, or nothing there is watched). */
  status: 'idle' | 'watching' | 'stable' | 'unstable' | 'unobserved';
  since?: string;
  /** unobserved: why, in one line ("cannot see CloudWatch: …", "nothing to watch in CloudWatch …"). */
  reason?: string;
  /** unobserved because the CloudWatch watch fails (not because nothing is configured). */
  blind?: boolean;
  quietUntil?: string;
  firstError?: { at: string; message: string; source?: string };
  deployment?: { runId: string; at: string; summary: string };
  /** The user acknowledged a resolved cause then (the quiet period restarted without a redeploy). */
  acknowledgedAt?: string;
}

/** The source differs from what the last deployment put on AWS. */
export interface DriftState {
  changed: number;
  /** Changed files per top folder (a file at the top by its own name). */
  byFolder: Record<string, number>;
  files: string[];
  deployedRunId: string;
  deployedAt: string;
  /** git HEAD when that deployment ran (short), if the project is a git work tree. */
  deployedCommit?: string;
  /** Deployed by a teammate or CI (the team's evidence): who, and where from. */
  deployedBy?: string;
}

export interface CloudWatchError {
  logGroup: string;
  at: string;
  message: string;
  count: number;
  consoleUrl: string;
  /** The log stream of the first error (its surrounding lines are in the same stream). */
  logStream?: string;
  /** Which deployment it happened after: "after deploy of abc1234, 4 min ago". */
  deployment?: string;
}

export interface AwsSnapshot {
  /**
   * 'disabled' when offload.yml configures nothing to watch; 'checking' while the endpoints count their
   * first passes with nothing wrong seen; 'unknown' when AWS cannot be seen (or what was seen is too old):
   * never ready, never "not ready".
   */
  gate: 'disabled' | 'checking' | 'unknown' | 'ready' | 'not-ready';
  reason?: string;
  checkedAt?: string;
  services: AwsServiceState[];
  endpoints: AwsEndpointState[];
  alarms: AwsAlarmState[];
  recentErrors: CloudWatchError[];
  /** Why the latest round could not see CloudWatch (log lines or alarms); absent when it could. */
  cloudwatchBlind?: string;
  /** Which config the dev tools point at now. */
  configTarget: 'local' | 'aws' | 'unknown';
}

/** A notification raised by the core; clicking it opens the window at `target`. */
export interface Notice {
  id: string;
  at: string;
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
  target: { view: 'machine' | 'models' | 'phases' | 'aws' | 'errors' | 'history'; item?: string };
  /** What raised it, for routing (phase 6 counts CloudWatch errors and alarms); absent: nothing routes on it. */
  source?: NoticeSource;
  /** Told in the window and history only, never as a desktop notification (an all-clear). */
  quiet?: boolean;
}

/** Which watch raised a notice: new CloudWatch log errors, an alarm transition, a local log file. */
export type NoticeSource = 'cloudwatch-logs' | 'cloudwatch-alarm' | 'local-logs';

export interface ProjectInfo {
  dir: string;
  name: string;
  configFile: string;
}

/** One thing the rule (or the user through Offload) did, as the journal says it: for the window's history. */
export interface RuleActionLine {
  at: string;
  kind: string;
  text: string;
}

/** One line of the AWS cost estimate: a known hourly cost with its basis, or "unknown" with why. */
export interface CostLineItem {
  name: string;
  kind: string;
  usdPerHour?: number;
  basis?: string;
  unknown?: string;
}

/**
 * What AWS costs for what the last deploy put there (an estimate from Price List prices and the usage read
 * from AWS at `checkedAt`, refreshed at most every 15 minutes); unknown parts are said, never guessed.
 */
export interface CostSummary {
  /** "AWS ≈ $0.42/h since 09:12 ($1.90)", or "AWS ≈ unknown: why". */
  line: string;
  /** Known hourly total (USD), a lower bound when `partial`; null when nothing is known. */
  usdPerHour: number | null;
  partial: boolean;
  /** The last deploy (its run and when its aws-deploy phase passed); absent when nothing is deployed. */
  deployment?: { runId: string; at: string };
  /** USD since the deploy at the current rate (an estimate); absent without a deploy or a known rate. */
  sinceDeployUsd?: number;
  items: CostLineItem[];
  /** Why there is no estimate at all (nothing deployed, untrusted, nothing to estimate, AWS not reachable). */
  unknown?: string;
  /** When the usage was last read from AWS (ISO); the next refresh is due 15 minutes later. */
  checkedAt: string;
  /** Set when the usage is older than `checkedAt` says AWS was asked (AWS not reachable: the last usage kept). */
  stale?: string;
  /** Where the prices came from and their date (offline: the on-disk cache, with its date). */
  prices: { source: 'price-list' | 'cache' | 'stale-cache' | 'none'; fetchedAt?: string; error?: string };
  /** `notify.budget` and, when the estimate is over it, the warning. */
  budget?: { perHour?: number; perDay?: number; exceeded?: string };
  /** Actual cost from Cost Explorer for tagged resources (delayed as AWS's data is); absent until it is read. */
  actual?: { usd: number; from: string; to: string; delayed: true; note?: string } | null;
}
