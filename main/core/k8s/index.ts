/** Kubernetes and EKS: kubeconfig as kubectl reads it, EKS tokens, and the `eks-rollout` step kind. */
export { eksRolloutStep, type EksRolloutSpec } from './eks-rollout';
export {
  loadKube,
  kubeconfigFiles,
  eksFromExec,
  KubeConfigError,
  type KubeTarget,
  type LoadedKube,
} from './kubeconfig';
export { eksToken, decodeEksToken, EKS_TOKEN_PREFIX } from './eks-token';
export { rolloutStatus, podProblem } from './rollout';
