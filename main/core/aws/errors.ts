/**
 * Plain-language AWS failures with the fix: every error an AWS call can end in becomes one sentence a
 * developer can act on. Raw messages of authentication errors are never echoed (they can quote request
 * details); nothing here ever includes credentials.
 */
import { isLoopbackHost } from '../units/loopback-host';
import { NotAwsAnswerError } from './not-aws-answer';

/** What was being attempted, for the message (`action` such as `ecs:DescribeServices`). */
export interface AwsErrorContext {
  action: string;
  profile?: string;
  region?: string;
  /** The resource involved (cluster/service, alarm, log group), when known. */
  resource?: string;
  /** The call was a step's (advice names the step's own timeout/interval, not the watch's settings). */
  step?: boolean;
  /** `aws.endpoint` when set (LocalStack, moto): advice is about that endpoint, not AWS's health. */
  endpoint?: string;
}

/** ` --endpoint-url U --region R --profile P` as in use, so a suggested `aws …` command reaches the same place. */
export function awsCliFlags(c: {
  endpoint?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
}): string {
  return `${c.endpoint ? ` --endpoint-url ${c.endpoint}` : ''}${c.region ? ` --region ${c.region}` : ''}${c.profile ? ` --profile ${c.profile}` : ''}`;
}

/** Broad class of an AWS failure; the gate treats all of them as "unknown", never ready. */
export type AwsErrorKind =
  | 'no-credentials'
  | 'sso-expired'
  | 'expired-token'
  | 'invalid-credentials'
  | 'access-denied'
  | 'not-found'
  | 'throttled'
  | 'network'
  | 'local-refused'
  | 'cut-off'
  | 'not-aws'
  | 'timeout'
  | 'server'
  | 'region'
  | 'other';

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
  /** The raw answer the SDK failed to read (set by its deserializer on a parse error; not enumerable). */
  $response?: { headers?: Record<string, string | undefined>; body?: unknown };
  /** The body as text, when the SDK had read it all before the parse failed. */
  $responseBodyText?: string;
}

const THROTTLE = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'LimitExceededException',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const INVALID = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'AccessDeniedFault',
]);
const NOT_FOUND = new Set([
  'ClusterNotFoundException',
  'ServiceNotFoundException',
  'ServiceNotActiveException',
  'ResourceNotFoundException',
  'ResourceNotFound',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface ConnectErrorShape {
  code?: string;
  address?: string;
  port?: number;
  errors?: unknown;
}

/**
 * `address:port` when the connection was refused by this machine (Node's connect error names the address it
 * tried; for a name such as `localhost`, every address it tried): nothing listens there, so it is not an outage
 * to wait out but a local AWS-compatible service (LocalStack, moto) that is not running. Otherwise undefined.
 */
function loopbackRefused(e: ErrorShape): string | undefined {
  const tries = [e, e.cause].flatMap((x) => {
    const c = (x ?? {}) as ConnectErrorShape;
    return Array.isArray(c.errors) ? (c.errors as ConnectErrorShape[]) : [c];
  });
  const refused = tries.filter((c) => c.code === 'ECONNREFUSED');
  if (refused.length === 0 || !refused.every((c) => isLoopbackHost(c.address ?? ''))) return undefined;
  const c = refused[0]!;
  return `${c.address!.includes(':') ? `[${c.address}]` : c.address}${c.port ? `:${c.port}` : ''}`;
}

/** Content types AWS answers in (JSON 1.0/1.1, REST JSON, XML, CBOR, event streams). */
const AWS_CONTENT = /json|xml|cbor|amz|eventstream/i;

/**
 * A success whose body arrived whole but is not AWS's (an HTML page, a proxy's or captive portal's answer, a
 * wrong `aws.endpoint`): the content type, or `body` for a complete body that would not parse; otherwise
 * undefined. A body cut off mid-way (reset, "aborted") is not this: it is `cut-off`, worth waiting out.
 */
function notAwsAnswer(e: ErrorShape, code: string, msg: string): string | undefined {
  if (e instanceof NotAwsAnswerError) return e.contentType; // refused before the SDK read it
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined || status >= 300 || !/deserialization error/i.test(msg)) return undefined;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return undefined;
  if (/^aborted\b|premature close/i.test(msg)) return undefined;
  const type = e.$response?.headers?.['content-type']?.split(';')[0]?.trim();
  if (type && !AWS_CONTENT.test(type)) return type;
  const body = e.$response?.body as { complete?: unknown } | Uint8Array | undefined;
  // Node's IncomingMessage sets `complete` once the whole body (its Content-Length, or the last chunk) arrived.
  const whole =
    typeof e.$responseBodyText === 'string' ||
    body instanceof Uint8Array || // read whole before the SDK parsed it (not-aws-answer.ts)
    (body as { complete?: unknown } | undefined)?.complete === true;
  return whole ? (type ? `${type} that does not parse` : 'a body that does not parse') : undefined;
}

/**
 * AWS answered (a status arrived) but the body did not arrive whole: the connection dropped mid-body (the SDK
 * says ECONNRESET, "aborted"), or a success's body, not known to be whole, could not be parsed. Not "could not
 * reach AWS". Checked after `notAwsAnswer`.
 */
function cutOff(status: number | undefined, code: string, msg: string): boolean {
  if (status === undefined) return false;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return true;
  if (/^aborted\b|premature close|unexpected end of/i.test(msg)) return true;
  return status < 300 && /deserialization error/i.test(msg);
}

/** Classifies an error thrown by the SDK (or its credential providers). */
export function classifyAwsError(err: unknown): AwsErrorKind {
  const e = (err ?? {}) as ErrorShape;
  const name = e.name ?? '';
  const code = e.code ?? (e.cause as ErrorShape | undefined)?.code ?? '';
  const msg = e.message ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (/sso/i.test(msg) && /(expired|invalid|refresh)/i.test(msg)) return 'sso-expired';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(msg)) return 'no-credentials';
  if (name === 'TokenProviderError') return 'sso-expired';
  if (/region is missing/i.test(msg)) return 'region';
  if (EXPIRED.has(name) || EXPIRED.has(code)) return 'expired-token';
  if (INVALID.has(name) || INVALID.has(code)) return 'invalid-credentials';
  if (DENIED.has(name) || DENIED.has(code) || /not authorized to perform/i.test(msg)) return 'access-denied';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (THROTTLE.has(name) || THROTTLE.has(code) || status === 429) return 'throttled';
  if (notAwsAnswer(e, code, msg)) return 'not-aws';
  if (cutOff(status, code, msg)) return 'cut-off';
  if (loopbackRefused(e)) return 'local-refused';
  // A reset or refused connection is the network's, even when the SDK names it TimeoutError.
  if (NETWORK.has(code)) return 'network';
  if (
    name === 'TimeoutError' ||
    code === 'ETIMEDOUT' ||
    code === 'ESOCKETTIMEDOUT' ||
    /timed? ?out/i.test(msg)
  )
    return 'timeout';
  if (NETWORK.has(code) || NETWORK.has(name) || /socket hang up|getaddrinfo|connect E/i.test(msg))
    return 'network';
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'server';
  return 'other';
}

/** One sentence with the fix, for a failed AWS call. Never includes credentials. */
export function explainAwsError(err: unknown, context: AwsErrorContext): string {
  const e = (err ?? {}) as ErrorShape;
  const kind = classifyAwsError(err);
  const prof = context.profile ? ` --profile ${context.profile}` : '';
  const flags = awsCliFlags(context);
  const at = context.endpoint ? ` at ${context.endpoint} (aws.endpoint)` : '';
  const where = context.region ? ` in ${context.region}` : '';
  const res = context.resource ? ` (${context.resource})` : '';
  const attempts = e.$metadata?.attempts;
  const head = `${context.action}${res} failed`;
  switch (kind) {
    case 'no-credentials':
      return `${head}: no AWS credentials found${context.profile ? ` for profile "${context.profile}"` : ''}. Fix: run \`aws configure${prof}\` or \`aws sso login${prof}\`, or set AWS_PROFILE / aws.profile in offload.yml.`;
    case 'sso-expired':
      return `${head}: the AWS SSO session has expired. Fix: run \`aws sso login${prof}\`.`;
    case 'expired-token':
      return `${head}: the AWS security token has expired. Fix: refresh your credentials (\`aws sso login${prof}\`, or renew the session token in your environment).`;
    case 'invalid-credentials':
      return `${head}: AWS rejected the credentials as invalid. Fix: check the access key${context.profile ? ` of profile "${context.profile}"` : ''} (\`aws sts get-caller-identity${flags}\`).`;
    case 'access-denied': {
      const m = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)/i.exec(e.message ?? '');
      const action = m?.[1] ?? context.action;
      return `${head}: access denied. Fix: allow the IAM action ${action}${context.resource ? ` on ${context.resource}` : ''} for the identity you use${context.profile ? ` (profile "${context.profile}")` : ''}.`;
    }
    case 'not-found': {
      const what =
        e.name === 'ClusterNotFoundException'
          ? 'the ECS cluster does not exist'
          : e.name === 'ServiceNotFoundException' || e.name === 'ServiceNotActiveException'
            ? 'the ECS service does not exist or is not active'
            : 'the resource does not exist';
      return `${head}: ${what}${where}. Fix: check the name in offload.yml and the region (aws.region).`;
    }
    case 'throttled':
      return `${head}: AWS throttled the request${attempts ? ` (still throttled after ${attempts} attempts with back-off)` : ''}. Fix: ${context.step ? "wait and run again, or give the step a longer timeout or interval (the step's own `timeout:` and `interval:` in offload.yml; `retries:` runs it again)" : 'wait and retry, or poll less often (gate.interval / notify.interval)'}; API quotas are shared by the whole account and Region.`;
    case 'timeout':
      return `${head}: the request timed out${attempts ? ` after ${attempts} attempts` : ''}. Fix: check the network or VPN, or raise aws.timeout.`;
    case 'cut-off': {
      const why = [
        e.$metadata?.httpStatusCode ? `HTTP ${e.$metadata.httpStatusCode}` : undefined,
        e.code ?? (e.cause as ErrorShape | undefined)?.code,
      ].filter(Boolean);
      return `${head}: ${context.endpoint ? `the endpoint${at}` : 'AWS'} answered but the response was cut off${why.length ? ` (${why.join(', ')})` : ''}${attempts ? ` after ${attempts} attempts` : ''}. Fix: retry; if it keeps happening, check the network, VPN or proxy between you and ${context.endpoint ? 'the endpoint' : 'AWS'}.`;
    }
    case 'not-aws': {
      const code = e.code ?? (e.cause as ErrorShape | undefined)?.code ?? '';
      const what = notAwsAnswer(e, code, e.message ?? '') ?? 'unknown content';
      if (context.endpoint)
        return `${head}: the endpoint ${context.endpoint} answered with something that is not AWS (${what}) — check aws.endpoint in offload.yml (the URL of LocalStack, moto or another AWS-compatible service).`;
      return `${head}: the answer${where} was not AWS's (${what}): something between you and AWS (a proxy, captive portal or VPN login page) answered instead. Fix: check the network, and sign in to it if it asks (open any web page in a browser).`;
    }
    case 'network':
      return `${head}: could not reach ${context.endpoint ? `the endpoint${at}` : `AWS${where}`} (${e.code ?? (e.cause as ErrorShape | undefined)?.code ?? e.name ?? 'network error'}). Fix: check the network or VPN${context.region ? '' : ' and aws.region'}, and aws.endpoint if set.`;
    case 'local-refused': {
      const addr = loopbackRefused(e);
      const named = context.endpoint
        ? `the endpoint ${context.endpoint} (aws.endpoint)`
        : `the endpoint ${addr}`;
      return `${head}: ${named} refused the connection (ECONNREFUSED on ${addr}): nothing listens on that port of this machine, so this is not an AWS outage to wait out. Fix: is LocalStack/moto running on that port? Start it, or correct ${context.endpoint ? 'aws.endpoint in offload.yml' : 'aws.endpoint (or AWS_ENDPOINT_URL)'}.`;
    }
    case 'server':
      if (context.endpoint)
        return `${head}: the endpoint${at} answered with a server error${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}${attempts ? ` after ${attempts} attempts` : ''}. Fix: check that service's own log (LocalStack, moto, a proxy) and retry once it is healthy.`;
      return `${head}: AWS answered with a server error${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}${attempts ? ` after ${attempts} attempts` : ''}. Fix: retry later; check the AWS Health Dashboard if it persists.`;
    case 'region':
      return `${head}: no AWS region is set. Fix: set aws.region in offload.yml or AWS_REGION.`;
    default: {
      const detail = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
      return `${head}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${detail}`;
    }
  }
}
