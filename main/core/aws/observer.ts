/**
 * The AWS observer: what AWS and the project's endpoints say now — ECS services, endpoint checks, alarms,
 * new error log lines. Observations only: it counts no passes, decides nothing and raises no notice. Every
 * request to AWS or to a project-named URL starts here.
 */
import path from 'node:path';
import { EffectRefused, type ProjectEffects } from '../boundary';
import type { OffloadConfig } from '../config/types';
import type { NotifyConfig } from '../notify/config';
import type { AwsAlarmState, AwsServiceState } from '../vocabulary';
import { describeAlarms, type AlarmSelector } from './alarms';
import type { AwsClients } from './clients';
import type { AwsConfig, GateConfig, GateEndpointConfig } from './config';
import { assessService, describeServices } from './ecs';
import { classifyAwsError, explainAwsError, type AwsErrorKind } from './errors';
import { LogErrorWatch, type LogErrorEvent } from './logs';

/** One endpoint check's result. */
export interface EndpointCheck {
  ok: boolean;
  result: string;
  /** The URL as requested, for display: trusted, filled in with secrets as `***`; untrusted, as written. */
  url?: string;
}

/** What one round observed (services, endpoints and alarms are asked together). */
export interface AwsObservation {
  /** `unknown`: why AWS could not be asked; `failure`: what kind of failure that was (for the back-off). */
  services: { states: AwsServiceState[]; unknown?: string; failure?: AwsErrorKind };
  endpoints: { endpoint: GateEndpointConfig; check: EndpointCheck }[];
  alarms: { alarms: AwsAlarmState[]; unknown?: string; failure?: AwsErrorKind };
  /** Set when nothing was asked because the project is not trusted (the gate is unknown, saying so). */
  untrusted?: string;
}

/**
 * Why an untrusted project's gate asks nothing: a request to an endpoint it names tells that host the project
 * was opened, and an AWS call sends the user's credentials where (and about what) the project says.
 */
export const UNTRUSTED_GATE =
  'not checked: this project is not trusted, so Offload asks nothing it names (no request to its endpoints, no AWS call); review and trust it with `offload trust`';

/** One request to a gate endpoint (status and body as configured, redirects not followed, bounded in time). */
export async function checkEndpoint(
  e: GateEndpointConfig,
  o: { effects: ProjectEffects; now: () => number },
): Promise<EndpointCheck> {
  const { effects, now } = o;
  const t0 = now();
  const shown = effects.shown(e.url);
  const check = await requestEndpoint(e, effects, now, t0);
  return { ...check, url: shown };
}

async function requestEndpoint(
  e: GateEndpointConfig,
  effects: ProjectEffects,
  now: () => number,
  t0: number,
): Promise<Omit<EndpointCheck, 'url'>> {
  try {
    // An endpoint URL may use `${{ env.X }}`/`${{ project.name }}`: filled in (or refused) by the boundary.
    const url = effects.interpolate(e.url, `gate endpoint ${e.name}`);
    const res = await effects.request(url, {
      signal: AbortSignal.timeout(e.timeoutMs),
      redirect: 'manual',
    });
    const body = e.body !== undefined ? await res.text() : (await res.arrayBuffer(), '');
    const ms = now() - t0;
    if (!e.status.includes(res.status))
      return { ok: false, result: `HTTP ${res.status} (expected ${e.status.join('/')}) in ${ms} ms` };
    if (e.body !== undefined && !body.includes(e.body))
      return { ok: false, result: `HTTP ${res.status} but the body lacks "${e.body}"` };
    return { ok: true, result: `HTTP ${res.status} in ${ms} ms` };
  } catch (err) {
    if (err instanceof EffectRefused) return { ok: false, result: err.message };
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, result: `no answer within ${e.timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, result: `unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
}

export interface AwsObserverOptions {
  config: OffloadConfig;
  aws: AwsConfig;
  gate: GateConfig;
  notify: NotifyConfig;
  /** The alarms to describe (the gate's and notify's together). */
  alarms: AlarmSelector;
  /** offload.yml's `env:` applied. */
  env: NodeJS.ProcessEnv;
  /** Where the log cursors are kept (projects/<project>/aws). */
  stateDir: string;
  /** The project's effects under its trust: endpoint requests and AWS clients go through it. */
  effects: ProjectEffects;
  clients?: AwsClients;
  now: () => number;
}

/** Asks AWS and the endpoints; owns the AWS clients it built (close() destroys them). */
export class AwsObserver {
  private clients: AwsClients | undefined;
  private readonly ownClients: boolean;
  private logWatch: LogErrorWatch | undefined;

  constructor(private readonly o: AwsObserverOptions) {
    this.clients = o.clients;
    this.ownClients = !o.clients;
  }

  /** The region AWS is asked in (for console links). */
  get region(): string {
    return this.clients?.region ?? this.o.aws.region ?? 'us-east-1';
  }

  /** Services, endpoints and alarms, asked together. */
  async observe(): Promise<AwsObservation> {
    if (!this.o.effects.trusted) return this.notAsked(UNTRUSTED_GATE);
    const [services, endpoints, alarms] = await Promise.all([
      this.services(),
      Promise.all(
        this.o.gate.endpoints.map(async (endpoint) => ({
          endpoint,
          check: await checkEndpoint(endpoint, this.o),
        })),
      ),
      this.alarms(),
    ]);
    return { services, endpoints, alarms };
  }

  /** New error lines per log group since the last call (cursors persist); `problem` says what failed. */
  async newLogErrors(): Promise<{
    byGroup: Map<string, LogErrorEvent[]>;
    problem?: string;
    failure?: AwsErrorKind;
  }> {
    const byGroup = new Map<string, LogErrorEvent[]>();
    const groups = this.o.notify.logGroups;
    // Untrusted, no log group is read (the gate's reason says why once, not a problem every round).
    if (groups.length === 0 || !this.o.effects.trusted) return { byGroup };
    this.logWatch ??= new LogErrorWatch({
      client: this.getClients().logs,
      groups,
      stateFile: path.join(this.o.stateDir, 'log-cursors.json'),
      now: this.o.now,
    });
    let problem: string | undefined;
    let failure: AwsErrorKind | undefined;
    for (const g of groups) {
      try {
        const events = await this.logWatch.pollGroup(g);
        if (events.length) byGroup.set(g.name, events);
      } catch (err) {
        problem = this.explain(err, 'logs:FilterLogEvents', g.name);
        failure = failureKind(err);
      }
    }
    return { byGroup, ...(problem ? { problem } : {}), ...(failure ? { failure } : {}) };
  }

  /** Destroys the clients this observer built. */
  close(): void {
    if (this.ownClients) this.clients?.destroy();
    if (this.ownClients) this.clients = undefined;
  }

  /** A round in which nothing was asked: every part unknown (never a failure to back off from), saying why. */
  private notAsked(why: string): AwsObservation {
    const sel = this.o.alarms;
    const alarmNames = [...sel.names, ...sel.prefixes.map((p) => `${p}*`)];
    return {
      services: {
        states: this.o.gate.services.map((s) => ({
          ...s,
          status: 'pending',
          message: 'not asked (untrusted)',
        })),
        unknown: why,
      },
      endpoints: this.o.gate.endpoints.map((endpoint) => ({
        endpoint,
        check: { ok: false, result: 'not requested (untrusted)', url: endpoint.url },
      })),
      alarms: {
        alarms: alarmNames.map((name) => ({ name, state: 'UNKNOWN', reason: 'not asked (untrusted)' })),
        ...(alarmNames.length ? { unknown: why } : {}),
      },
      untrusted: why,
    };
  }

  private getClients(): AwsClients {
    return (this.clients ??= this.o.effects.awsClients(this.o.aws, this.o.env));
  }

  private explain(err: unknown, action: string, resource?: string): string {
    if (err instanceof EffectRefused) return err.message;
    return explainAwsError(err, {
      action,
      profile: this.clients?.profile ?? this.o.aws.profile,
      region: this.clients?.region ?? this.o.aws.region,
      resource,
      ...(this.o.aws.endpoint ? { endpoint: this.o.aws.endpoint } : {}),
    });
  }

  private async services(): Promise<AwsObservation['services']> {
    const wanted = this.o.gate.services;
    if (wanted.length === 0) return { states: [] };
    try {
      const views = await describeServices(this.getClients().ecs, wanted);
      return {
        states: wanted.map((s) => {
          const a = assessService(s.cluster, s.service, views.get(`${s.cluster}/${s.service}`) ?? null);
          return {
            cluster: s.cluster,
            service: s.service,
            status: a.state === 'stable' ? 'passed' : a.state === 'rolling' ? 'running' : 'failed',
            running: a.running,
            desired: a.desired,
            rollout: a.rollout,
            taskDefinition: a.taskDefinition,
            message: a.message,
          };
        }),
      };
    } catch (err) {
      const why = this.explain(err, 'ecs:DescribeServices');
      return {
        states: wanted.map((s) => ({ ...s, status: 'pending', message: `unknown: ${why}` })),
        unknown: why,
        failure: failureKind(err),
      };
    }
  }

  private async alarms(): Promise<AwsObservation['alarms']> {
    const sel = this.o.alarms;
    if (sel.names.length + sel.prefixes.length === 0) return { alarms: [] };
    try {
      return { alarms: await describeAlarms(this.getClients().cloudwatch, sel) };
    } catch (err) {
      const why = this.explain(err, 'cloudwatch:DescribeAlarms');
      const names = [...sel.names, ...sel.prefixes.map((p) => `${p}*`)];
      return {
        alarms: names.map((name) => ({ name, state: 'UNKNOWN', reason: why })),
        unknown: why,
        failure: failureKind(err),
      };
    }
  }
}

/** The kind of a failed AWS call; a request the boundary refused is not AWS's failure. */
const failureKind = (err: unknown): AwsErrorKind =>
  err instanceof EffectRefused ? 'other' : classifyAwsError(err);
