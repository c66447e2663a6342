/**
 * The `scaled:` check of a load test: a service's scale read before the load, sampled during it, and
 * checked after it (up to `within`) against the goal.
 */
import type { StepContext } from '../vocabulary';
import { durationMs } from '../units';
import { describeServices } from '../aws/ecs';
import { tagged } from '../aws/lambda';
import { sleep } from '../aws/step-support';
import type { AwsClients } from '../aws/clients';
import type { LoadTestSpec } from './spec';

/** Reads a service's scale (ECS desired count / Lambda requested provisioned concurrency) before and after. */
export class ScaleCheck {
  readonly intervalMs: number;
  private first?: number;
  private highest?: number;
  private readonly what: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly spec: NonNullable<LoadTestSpec['scaled']>,
    private readonly ctx: StepContext,
  ) {
    this.intervalMs = durationMs(spec.interval, 15_000, 'scaled.interval');
    this.what = spec.ecs
      ? `ECS ${spec.ecs.cluster}/${spec.ecs.service} desired count`
      : `Lambda ${spec.lambda?.function}:${spec.lambda?.qualifier} provisioned concurrency`;
  }

  private async read(): Promise<number> {
    const s = this.spec;
    if (s.ecs) {
      const ecs = s.ecs;
      const svc = await tagged('ecs:DescribeServices', async () => {
        const found = (
          await describeServices(
            this.clients.ecs,
            [{ cluster: ecs.cluster, service: ecs.service }],
            this.ctx.signal,
          )
        ).get(`${ecs.cluster}/${ecs.service}`);
        if (!found)
          throw Object.assign(new Error(`service ${ecs.service} not found in cluster ${ecs.cluster}`), {
            name: 'ServiceNotFoundException',
          });
        return found;
      });
      return svc.desiredCount ?? 0;
    }
    if (s.lambda) {
      const l = s.lambda;
      const sdk = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
      const res = await tagged('lambda:GetProvisionedConcurrencyConfig', () =>
        this.clients.lambda.send(
          new sdk.GetProvisionedConcurrencyConfigCommand({
            FunctionName: l.function,
            Qualifier: l.qualifier,
          }),
          { abortSignal: this.ctx.signal },
        ),
      );
      return res.RequestedProvisionedConcurrentExecutions ?? 0;
    }
    throw new Error('scaled: give ecs or lambda');
  }

  async before(): Promise<void> {
    this.first = await this.read();
    this.highest = this.first;
    this.ctx.log(`${this.what} before the load: ${this.first}\n`, 'info');
  }

  async sample(): Promise<number> {
    const v = await this.read();
    if (v > (this.highest ?? -Infinity)) {
      this.highest = v;
      this.ctx.log(`${this.what}: ${v}\n`, 'info');
    }
    return v;
  }

  private goal(): number {
    return this.spec['at-least'] ?? (this.first ?? 0) + 1;
  }

  async after(): Promise<{ ok: boolean; message: string }> {
    const deadline = Date.now() + durationMs(this.spec.within, 0, 'scaled.within');
    for (;;) {
      await this.sample();
      if ((this.highest ?? 0) >= this.goal()) {
        return { ok: true, message: `${this.what} scaled: ${this.first} → ${this.highest}` };
      }
      if (Date.now() + this.intervalMs > deadline) {
        return {
          ok: false,
          message: `${this.what} did not scale: ${this.first} before, at most ${this.highest} during and after the load (expected ${this.spec['at-least'] !== undefined ? `at least ${this.goal()}` : `more than ${this.first}`})`,
        };
      }
      await sleep(this.intervalMs, this.ctx.signal);
    }
  }
}
