/**
 * What the deploy put on AWS, read for the cost estimate: each gate service's running tasks and its task
 * definition's task-level size (DescribeServices + DescribeTaskDefinition). A service on an EC2 capacity
 * provider is named as not estimated (its instance types are not priced here yet), never guessed.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { FargateUsage } from './cost';

/** The Fargate usage of the services (one DescribeServices per cluster, one DescribeTaskDefinition each). */
export async function fargateUsage(
  ecs: ECSClient,
  services: readonly { cluster: string; service: string }[],
): Promise<FargateUsage[]> {
  const sdk = require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs');
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.service]);
  const out: FargateUsage[] = [];
  for (const [cluster, names] of byCluster) {
    const r = await ecs.send(new sdk.DescribeServicesCommand({ cluster, services: names }));
    for (const svc of r.services ?? []) {
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
          notFargate: `runs on ${providers.length ? `capacity provider ${providers.join(', ')}` : `launch type ${svc.launchType ?? 'unknown'}`}: EC2 instance prices are not estimated yet`,
        });
        continue;
      }
      const td = (
        await ecs.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition }))
      ).taskDefinition;
      out.push({
        name,
        cpuUnits: Number(td?.cpu ?? 0),
        memoryMiB: Number(td?.memory ?? 0),
        tasks,
        arch: td?.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
      });
    }
  }
  return out;
}
