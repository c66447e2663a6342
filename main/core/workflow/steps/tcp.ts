/** The `tcp` step kind: passes when a TCP connection to host:port opens (one attempt per execute). */
import { durationSchema, parseDuration } from '../../units';
import { stepEffects } from '../../boundary';
import { PHASES, type StepKind } from '../types';

/** `"host:port"` (IPv6 as `[::1]:5432`) or {host, port, timeout?}. */
export type TcpSpec = string | { host: string; port: number; timeout?: string | number };

const DEFAULT_TIMEOUT_MS = 5000;

/** Host, port and timeout from either form; throws a clear error for a bad value. */
export function parseTcpTarget(spec: TcpSpec): { host: string; port: number; timeoutMs: number } {
  if (typeof spec === 'string') {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec.trim()) ?? /^([^:]+):(\d+)$/.exec(spec.trim());
    if (!m) throw new Error(`"${spec}" is not host:port (IPv6: [::1]:5432)`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new Error(`port ${port} in "${spec}" is out of range 1-65535`);
    return { host: m[1] as string, port, timeoutMs: DEFAULT_TIMEOUT_MS };
  }
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    throw new Error(`port ${String(spec.port)} is out of range 1-65535`);
  }
  const timeoutMs = spec.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(spec.timeout);
  if (timeoutMs === undefined) throw new Error(`invalid timeout ${JSON.stringify(spec.timeout)}`);
  return { host: spec.host, port: spec.port, timeoutMs };
}

/** Checks that a TCP port accepts connections. */
export const tcpStep: StepKind<TcpSpec> = {
  key: 'tcp',
  // Any phase: what a script or a probe does is the project's own (building, testing, a health check), and each
  // phase has one; the rule's gates still decide when each phase may run.
  phases: PHASES,
  check: (spec) => {
    try {
      parseTcpTarget(spec);
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  },
  schema: {
    description: 'A TCP port that must accept a connection: "host:port" or {host, port, timeout}.',
    oneOf: [
      { type: 'string', pattern: '^(\\[[^\\]]+\\]|[^:\\s]+):\\d{1,5}$', description: 'host:port' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'port'],
        properties: {
          host: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          timeout: durationSchema('Connect timeout (default 5s).'),
        },
      },
    ],
  },
  describe(step) {
    const s = step.spec;
    return `tcp ${typeof s === 'string' ? s : `${s.host}:${s.port}`}`;
  },
  async execute(ctx, step) {
    const { host, port, timeoutMs } = parseTcpTarget(step.spec);
    const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const t0 = performance.now();
    return new Promise((resolve) => {
      const socket = stepEffects(ctx.services).connect({ host, port });
      const done = (status: 'passed' | 'failed', summary: string) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        ctx.log(`${summary}\n`, 'info');
        resolve({ status, summary });
      };
      const onAbort = () => done('failed', `aborted while connecting to ${where}`);
      const timer = setTimeout(
        () => done('failed', `no connection to ${where} in ${timeoutMs} ms`),
        timeoutMs,
      );
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () =>
        done('passed', `connected to ${where} in ${Math.round(performance.now() - t0)} ms`),
      );
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done('failed', `${err.code ?? 'error'} ${where}${err.code ? '' : `: ${err.message}`}`),
      );
      if (ctx.signal.aborted) onAbort();
    });
  },
};
