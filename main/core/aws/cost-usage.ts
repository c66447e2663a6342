/**
 * What the deploy put on AWS, read for the cost estimate: each gate service's running tasks and its task
 * definition's task-level size (DescribeServices + DescribeTaskDefinition); the container instances behind a
 * service on EC2 (ListContainerInstances + DescribeContainerInstances, attribute `ecs.instance-type`); an EKS
 * cluster's node groups (ListNodegroups + DescribeNodegroup); a Lambda function's memory and its CloudWatch
 * Invocations and Duration sums since the deploy. A failed call says which action failed and why.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { classifyAwsError } from './errors';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  countInstances,
  lambdaUsageFromMetrics,
  type Ec2Usage,
  type EksUsage,
  type FargateUsage,
  type LambdaUsage,
} from './cost';

/** The Fargate usage of the services (one DescribeServices per cluster, one DescribeTaskDefinition each). */
export async function fargateUsage(
  ecs: ECSClient,
  services: readonly { cluster: string; service: string }[],
): Promise<FargateUsage[]> {
  const sdk = require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs');
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.service]);
  const out: FargateUsage[] = [];
  const described = [];
  for (const [cluster, all] of byCluster)
    for (let i = 0; i < all.length; i += 10) {
      const names = all.slice(i, i + 10);
      const r = await awsAction('ecs:DescribeServices', () =>
        ecs.send(new sdk.DescribeServicesCommand({ cluster, services: names })),
      );
      for (const f of r.failures ?? []) {
        const svcName = (f.arn ?? '?').split('/').pop();
        const why = `ecs:DescribeServices found no service ${svcName} in cluster ${cluster} (${f.reason ?? 'MISSING'})`;
        out.push({ name: `${cluster}/${svcName}`, cpuUnits: 0, memoryMiB: 0, tasks: 0, notFargate: why });
      }
      described.push(...(r.services ?? []).map((svc) => ({ cluster, svc })));
    }
  for (const { cluster, svc } of described) {
    const name = `${cluster}/${svc.serviceName ?? '?'}`;
    const tasks = svc.runningCount ?? 0;
    const providers = (svc.capacityProviderStrategy ?? []).map((c) => c.capacityProvider ?? '');
    const onFargate =
      svc.launchType === 'FARGATE' ||
      (providers.length > 0 && providers.every((p) => p.startsWith('FARGATE')));
    if (!onFargate) {
      out.push({
        name,
        cpuUnits: 0,
        memoryMiB: 0,
        tasks,
        onEc2: { cluster, service: svc.serviceName ?? '?', providers },
        notFargate: `runs on ${providers.length ? `capacity provider ${providers.join(', ')}` : `launch type ${svc.launchType ?? 'unknown'}`}: priced as the EC2 instances behind it`,
      });
      continue;
    }
    const td = (
      await awsAction('ecs:DescribeTaskDefinition', () =>
        ecs.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition })),
      )
    ).taskDefinition;
    out.push({
      name,
      cpuUnits: Number(td?.cpu ?? 0),
      memoryMiB: Number(td?.memory ?? 0),
      tasks,
      arch: td?.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
    });
  }
  return out;
}

/** Runs one AWS call; a failure is rethrown naming the IAM action ("ecs:ListContainerInstances denied: …"). */
export async function awsAction<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const denied = classifyAwsError(err) === 'access-denied';
    const message = (err as { message?: string }).message ?? String(err);
    throw new Error(`${action} ${denied ? 'denied' : 'failed'}: ${message}`, { cause: err });
  }
}

/** The instance types of a cluster's active container instances, with the capacity provider each is in. */
export async function containerInstances(
  ecs: ECSClient,
  cluster: string,
): Promise<{ instanceType?: string; capacityProvider?: string }[]> {
  const sdk = require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs');
  const arns: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await awsAction('ecs:ListContainerInstances', () =>
      ecs.send(new sdk.ListContainerInstancesCommand({ cluster, status: 'ACTIVE', nextToken: token })),
    );
    arns.push(...(r.containerInstanceArns ?? []));
    token = r.nextToken;
    if (!token) break;
  }
  const out: { instanceType?: string; capacityProvider?: string }[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const r = await awsAction('ecs:DescribeContainerInstances', () =>
      ecs.send(
        new sdk.DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + 100) }),
      ),
    );
    for (const ci of r.containerInstances ?? []) {
      const type = ci.attributes?.find((a) => a.name === 'ecs.instance-type')?.value;
      out.push({
        ...(type ? { instanceType: type } : {}),
        ...(ci.capacityProviderName ? { capacityProvider: ci.capacityProviderName } : {}),
      });
    }
  }
  return out;
}

/**
 * The EC2 instances behind services that do not run on Fargate, one item per cluster (and capacity
 * providers): the whole instances are counted, once however many of the deploy's services run there, and
 * the item says so, since a service's tasks may share them with others.
 */
export async function ecsEc2Usage(
  ecs: ECSClient,
  notFargate: readonly { cluster: string; service: string; providers: string[] }[],
): Promise<Ec2Usage[]> {
  const groups = new Map<string, { cluster: string; providers: string[]; services: string[] }>();
  for (const s of notFargate) {
    const providers = s.providers.filter((p) => !p.startsWith('FARGATE')).sort();
    const key = `${s.cluster}|${providers.join(',')}`;
    const g = groups.get(key) ?? { cluster: s.cluster, providers, services: [] };
    g.services.push(s.service);
    groups.set(key, g);
  }
  const out: Ec2Usage[] = [];
  for (const g of groups.values()) {
    const name = `${g.cluster}/${g.services.join(',')} (EC2)`;
    const where = g.providers.length
      ? `capacity provider ${g.providers.join(', ')} of cluster ${g.cluster}`
      : `cluster ${g.cluster}`;
    let all;
    try {
      all = await containerInstances(ecs, g.cluster);
    } catch (err) {
      out.push({ name, instances: [], unknown: (err as Error).message });
      continue;
    }
    const mine = g.providers.length ? all.filter((c) => g.providers.includes(c.capacityProvider ?? '')) : all;
    const untyped = mine.filter((c) => !c.instanceType).length;
    if (untyped)
      out.push({
        name,
        instances: [],
        unknown: `${untyped} container instance(s) of ${where} report no ecs.instance-type`,
      });
    else if (!mine.length)
      out.push({ name, instances: [], unknown: `no active container instances in ${where}` });
    else
      out.push({
        name,
        instances: countInstances(mine.map((c) => c.instanceType!)),
        share: `whole instances of ${where}; other tasks there share them`,
      });
  }
  return out;
}

/** An EKS cluster's node groups: instance type and desired size each; several types or spot: unknown. */
export async function eksUsage(eks: EKSClient, cluster: string): Promise<EksUsage> {
  const sdk = require('@aws-sdk/client-eks') as typeof import('@aws-sdk/client-eks');
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await awsAction('eks:ListNodegroups', () =>
      eks.send(new sdk.ListNodegroupsCommand({ clusterName: cluster, nextToken: token })),
    );
    names.push(...(r.nodegroups ?? []));
    token = r.nextToken;
    if (!token) break;
  }
  const nodegroups: Ec2Usage[] = [];
  for (const ng of names) {
    const name = `${cluster}/${ng}`;
    const r = await awsAction('eks:DescribeNodegroup', () =>
      eks.send(new sdk.DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: ng })),
    );
    const types = r.nodegroup?.instanceTypes ?? [];
    const size = r.nodegroup?.scalingConfig?.desiredSize ?? 0;
    const unknown =
      r.nodegroup?.capacityType === 'SPOT'
        ? 'spot capacity: the Price List has on-demand prices only'
        : types.length === 0
          ? 'the instance type is set in a launch template (not read)'
          : types.length > 1
            ? `several instance types (${types.join(', ')}): which of them run is not known`
            : undefined;
    nodegroups.push(
      unknown
        ? { name, instances: [], unknown }
        : { name, instances: [{ instanceType: types[0]!, count: size }], share: `desired size ${size}` },
    );
  }
  return { cluster, nodegroups };
}

/** One CloudWatch Sum of a Lambda metric over [since, now), all datapoints added. */
function sumQuery(id: string, metric: string, fn: string, periodS: number) {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: fn }],
      },
      Period: periodS,
      Stat: 'Sum',
    },
  };
}

/** A Lambda function's use since the deploy: its memory (GetFunctionConfiguration) and CloudWatch sums. */
export async function lambdaMetricsUsage(
  lambda: LambdaClient,
  cloudwatch: CloudWatchClient,
  fn: string,
  since: number,
  now: number,
): Promise<LambdaUsage> {
  const lsdk = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  const csdk = require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
  const conf = await awsAction('lambda:GetFunctionConfiguration', () =>
    lambda.send(new lsdk.GetFunctionConfigurationCommand({ FunctionName: fn })),
  );
  if (!conf.MemorySize) throw new Error(`lambda:GetFunctionConfiguration gave no MemorySize for ${fn}`);
  const memoryMiB = conf.MemorySize;
  // One period over the whole window (a multiple of 60 s), so each metric answers with few datapoints.
  const periodS = Math.max(60, Math.ceil((now - since) / 60_000) * 60);
  const sums = { inv: 0, dur: 0 };
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await awsAction('cloudwatch:GetMetricData', () =>
      cloudwatch.send(
        new csdk.GetMetricDataCommand({
          StartTime: new Date(since),
          EndTime: new Date(now),
          MetricDataQueries: [
            sumQuery('inv', 'Invocations', fn, periodS),
            sumQuery('dur', 'Duration', fn, periodS),
          ],
          NextToken: token,
        }),
      ),
    );
    for (const m of r.MetricDataResults ?? []) {
      if (m.StatusCode === 'InternalError' || m.StatusCode === 'Forbidden')
        throw new Error(
          `cloudwatch:GetMetricData ${m.StatusCode} for ${fn}: ${(m.Messages ?? []).map((x) => x.Value).join('; ')}`,
        );
      const total = (m.Values ?? []).reduce((a, b) => a + b, 0);
      if (m.Id === 'inv') sums.inv += total;
      if (m.Id === 'dur') sums.dur += total;
    }
    token = r.NextToken;
    if (!token) break;
  }
  return lambdaUsageFromMetrics({
    name: fn,
    memoryMiB,
    invocationsSum: sums.inv,
    durationMsSum: sums.dur,
    since,
    now,
    arch: conf.Architectures?.[0] === 'arm64' ? 'arm64' : 'x86_64',
  });
}
