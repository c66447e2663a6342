/**
 * Checks every request that arrives from the window before it reaches the core: argument count, shapes and
 * values (a workflow must be one the state offers, a pid must be a model server the state lists…).
 * Electron-free so it is unit-tested in plain Node.
 */
import type { InvokeName, OffloadInvokeMap } from '../../preload/api';
import type { OffloadState } from '../core/state';
import { PHASES, type PhaseId } from '../core/vocabulary';
import { isSafeExternalUrl } from './external-url';

/** A request the bridge refuses; its message goes back to the renderer as the error. */
export class BridgeInputError extends Error {
  override name = 'BridgeInputError';
}

type Validator<K extends InvokeName> = (
  args: unknown[],
  state: OffloadState,
) => Parameters<OffloadInvokeMap[K]>;

const fail = (msg: string): never => {
  throw new BridgeInputError(msg);
};
const arity = (name: string, args: unknown[], n: number) => {
  if (args.length !== n) fail(`${name}: expected ${n} argument(s), got ${args.length}`);
};
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const ID = /^[\w.-]{1,128}$/;

const validators: { [K in InvokeName]: Validator<K> } = {
  getState: (args) => (arity('getState', args, 0), []),
  cancel: (args) => (arity('cancel', args, 0), []),
  chooseProject: (args) => (arity('chooseProject', args, 0), []),
  run: (args, state) => {
    arity('run', args, 1);
    const [name] = args;
    if (typeof name !== 'string') return fail('run: workflow name must be a string');
    if (!state.workflows.some((w) => w.name === name)) {
      const known = state.workflows.map((w) => w.name).join(', ') || 'none (no project open)';
      return fail(`run: unknown workflow "${name.slice(0, 64)}"; available: ${known}`);
    }
    return [name];
  },
  stopModels: (args, state) => {
    arity('stopModels', args, 1);
    const [opts] = args;
    if (!isPlainObject(opts)) return fail('stopModels: expected an object { pids } or { all: true }');
    const extra = Object.keys(opts).filter((k) => k !== 'pids' && k !== 'all');
    if (extra.length) fail(`stopModels: unexpected field(s) ${extra.join(', ')}`);
    if (opts.all !== undefined && opts.all !== true) fail('stopModels: all must be true when given');
    if (opts.all === true) {
      if (opts.pids !== undefined) fail('stopModels: give either pids or all, not both');
      return [{ all: true }];
    }
    const pids = opts.pids;
    if (!Array.isArray(pids) || pids.length === 0 || pids.length > 64) {
      return fail('stopModels: pids must be a non-empty list (at most 64)');
    }
    for (const pid of pids) {
      if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) {
        fail(`stopModels: pid ${JSON.stringify(pid)?.slice(0, 32)} is not a positive integer`);
      }
      if (!state.models.some((m) => m.pid === pid)) {
        fail(`stopModels: pid ${pid} is not a local model server Offload is showing`);
      }
    }
    return [{ pids: [...new Set(pids as number[])] }];
  },
  switchConfig: (args) => {
    // Shape only: whether the switch may happen (switch files, their state, trust, the gate) is the core's
    // decision, in the same words the CLI shows.
    arity('switchConfig', args, 1);
    const [target] = args;
    if (target !== 'aws' && target !== 'local') return fail('switchConfig: target must be "aws" or "local"');
    return [target];
  },
  trustProject: (args, state) => {
    arity('trustProject', args, 0);
    if (!state.project || !state.trust) fail('trustProject: no project is open');
    return [];
  },
  setMonitoringPaused: (args) => {
    arity('setMonitoringPaused', args, 1);
    if (typeof args[0] !== 'boolean') fail('setMonitoringPaused: expected true or false');
    return [args[0] as boolean];
  },
  runLog: (args, state) => {
    arity('runLog', args, 3);
    const [runId, phase, step] = args;
    if (typeof runId !== 'string' || !ID.test(runId)) return fail('runLog: invalid run id');
    if (typeof phase !== 'string' || !(PHASES as readonly string[]).includes(phase)) {
      return fail(`runLog: phase must be one of ${PHASES.join(', ')}`);
    }
    if (typeof step !== 'string' || !ID.test(step)) return fail('runLog: invalid step id');
    if (!state.project) fail('runLog: no project is open');
    return [runId, phase as PhaseId, step];
  },
  copyErrorContext: (args, state) => {
    arity('copyErrorContext', args, 0);
    if (!state.project) fail('copyErrorContext: no project is open');
    return [];
  },
  acknowledgePhase6: (args, state) => {
    arity('acknowledgePhase6', args, 0);
    if (state.phase6?.status !== 'unstable') fail('acknowledgePhase6: phase 6 is not unstable');
    return [];
  },
  redeploy: (args, state) => {
    arity('redeploy', args, 0);
    if (!state.workflows.some((w) => w.name === 'services')) {
      fail('redeploy: offload.yml has no services workflow');
    }
    return [];
  },
  backToLocal: (args, state) => {
    arity('backToLocal', args, 0);
    if (!state.aws || state.aws.configTarget === 'unknown') {
      fail('backToLocal: offload.yml has no `switch:` files to point back at local');
    }
    return [];
  },
  openExternal: (args) => {
    arity('openExternal', args, 1);
    const [url] = args;
    if (typeof url !== 'string' || !isSafeExternalUrl(url)) {
      return fail('openExternal: only https AWS console links may be opened');
    }
    return [url];
  },
};

/** Validates one request's arguments against the current state; throws BridgeInputError when refused. */
export function validateRequest<K extends InvokeName>(
  name: K,
  args: unknown,
  state: OffloadState,
): Parameters<OffloadInvokeMap[K]> {
  if (!Object.prototype.hasOwnProperty.call(validators, name)) fail(`unknown request "${String(name)}"`);
  if (!Array.isArray(args)) fail(`${name}: arguments must be a list`);
  return (validators[name] as Validator<K>)(args as unknown[], state);
}
