/**
 * Lambda: deploying new code and/or configuration to a function and waiting for the update the honest way
 * (LastUpdateStatus Successful, State Active; Failed is a failure with its reason), publishing a version and
 * moving an alias; invoking a function and reading the tail of its log. Every call is tagged with the IAM action
 * it needs, so a denied call names exactly what to allow.
 */
import fs from 'node:fs';
import type {
  AliasConfiguration,
  FunctionConfiguration,
  LambdaClient,
  UpdateFunctionCodeCommandInput,
  UpdateFunctionConfigurationCommandInput,
} from '@aws-sdk/client-lambda';
import { readProjectFile } from '../boundary/files';
import { AwsOutageRider } from './ride-out';

/** The SDK loads on first use, not at start-up. */
const sdk = (): typeof import('@aws-sdk/client-lambda') => require('@aws-sdk/client-lambda');

/** The largest zip UpdateFunctionCode accepts inline (larger ones must go through S3). */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** An error carrying the IAM action of the call that failed (for explainAwsError). */
export type TaggedError = Error & { iamAction?: string };

/** Runs one SDK call; a failure is tagged with `action` (the IAM action it needs). */
export async function tagged<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err && typeof err === 'object' && !(err as TaggedError).iamAction) {
      (err as TaggedError).iamAction = action;
    }
    throw err;
  }
}

/** The IAM action a failed call was tagged with, or `fallback`. */
export const iamActionOf = (err: unknown, fallback: string): string =>
  (err && typeof err === 'object' ? (err as TaggedError).iamAction : undefined) ?? fallback;

/** A failure that is the function's own (update Failed, function Failed), not an AWS API error. */
export class LambdaStateError extends Error {
  override name = 'LambdaStateError';
}

/** New code: a zip file (absolute path), an S3 object, or a container image. */
export type LambdaCode =
  { zipFile: string } | { s3: { bucket: string; key: string; version?: string } } | { image: string };

/** Configuration changes (only what is given is changed). */
export interface LambdaConfigChange {
  environment?: Record<string, string>;
  /** Replace the whole environment instead of merging into the current one. */
  replaceEnvironment?: boolean;
  memory?: number;
  timeoutSeconds?: number;
  handler?: string;
  runtime?: string;
  description?: string;
}

export interface LambdaDeployOptions {
  functionName: string;
  code?: LambdaCode;
  config?: LambdaConfigChange;
  publish: boolean;
  alias?: string;
  description?: string;
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface LambdaDeployOutcome {
  functionArn: string;
  codeSha256?: string;
  version?: string;
  aliasArn?: string;
  /** The version the alias pointed at before (for a rollback), when it existed. */
  previousVersion?: string;
  aliasCreated?: boolean;
  updates: string[];
}

/** Reads the function's configuration ($LATEST unless `qualifier`). */
export async function getConfiguration(
  lambda: LambdaClient,
  functionName: string,
  signal?: AbortSignal,
  qualifier?: string,
): Promise<FunctionConfiguration> {
  return tagged('lambda:GetFunctionConfiguration', () =>
    lambda.send(
      new (sdk().GetFunctionConfigurationCommand)({
        FunctionName: functionName,
        ...(qualifier ? { Qualifier: qualifier } : {}),
      }),
      { abortSignal: signal },
    ),
  );
}

/**
 * Polls until the function is Active with its last update Successful. Pending / InProgress keep waiting (with
 * the reason logged when it changes); a Failed update or function throws LambdaStateError with AWS's reason.
 */
export async function waitForUpdate(
  lambda: LambdaClient,
  o: Pick<LambdaDeployOptions, 'functionName' | 'pollMs' | 'signal' | 'log' | 'sleep'> & {
    deadline: number;
    what: string;
    /** Rides out throttling, 5xx and network blips between polls within the deadline (one per step). */
    rider?: AwsOutageRider;
  },
): Promise<FunctionConfiguration> {
  let lastLine = '';
  const read = () => getConfiguration(lambda, o.functionName, o.signal);
  for (;;) {
    const cfg = await (o.rider ? o.rider.call(read) : read());
    const state = cfg.State ?? 'Active';
    const update = cfg.LastUpdateStatus ?? 'Successful';
    const line = `${o.what}: State ${state}, LastUpdateStatus ${update}${
      cfg.LastUpdateStatusReason && update !== 'Successful' ? ` (${cfg.LastUpdateStatusReason})` : ''
    }${cfg.StateReason && state !== 'Active' ? ` — ${cfg.StateReason}` : ''}`;
    if (line !== lastLine) o.log(line);
    lastLine = line;
    if (update === 'Failed') {
      throw new LambdaStateError(
        `${o.what} failed: ${cfg.LastUpdateStatusReason ?? 'no reason given'}${cfg.LastUpdateStatusReasonCode ? ` [${cfg.LastUpdateStatusReasonCode}]` : ''}`,
      );
    }
    if (state === 'Failed') {
      throw new LambdaStateError(
        `function ${o.functionName} is Failed: ${cfg.StateReason ?? 'no reason given'}${cfg.StateReasonCode ? ` [${cfg.StateReasonCode}]` : ''}`,
      );
    }
    if (update === 'Successful' && state === 'Active') return cfg;
    if (Date.now() + o.pollMs > o.deadline) {
      throw new LambdaStateError(
        `${o.what} not finished by the step's timeout: still State ${state}, LastUpdateStatus ${update}${cfg.LastUpdateStatusReason ? ` (${cfg.LastUpdateStatusReason})` : ''}${cfg.StateReason ? ` — ${cfg.StateReason}` : ''}`,
      );
    }
    await o.sleep(o.pollMs, o.signal);
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Reads a zip for a direct upload; refuses (plainly) what the API would refuse. */
export function readZip(file: string): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new LambdaStateError(`zip ${file} does not exist (did the step that builds it run?)`);
  }
  if (!st.isFile()) throw new LambdaStateError(`zip ${file} is not a file`);
  if (st.size > DIRECT_UPLOAD_LIMIT) {
    throw new LambdaStateError(
      `zip ${file} is ${mb(st.size)}, over Lambda's 50 MB limit for a direct upload. Fix: upload it to S3 (aws s3 cp) and give \`s3: {bucket, key}\` instead of \`zip:\``,
    );
  }
  // Regular file only, opened without blocking; the size was checked above (a swap since is caught too).
  return readProjectFile(file, { maxBytes: DIRECT_UPLOAD_LIMIT, what: 'zip' });
}

/**
 * Deploys: new code and/or configuration (each waited for), then a published version and the alias moved to
 * it (created when missing).
 */
export async function deployFunction(
  lambda: LambdaClient,
  o: LambdaDeployOptions,
): Promise<LambdaDeployOutcome> {
  const opt = { abortSignal: o.signal };
  const deadline = Date.now() + o.timeoutMs;
  const rider = new AwsOutageRider({
    deadline,
    signal: o.signal,
    log: o.log,
    capMs: Math.max(o.pollMs, 1000),
    sleep: o.sleep,
  });
  const wait = (what: string) => waitForUpdate(lambda, { ...o, deadline, what, rider });
  const updates: string[] = [];
  // An update still in progress (another deploy, the console) would make ours a ResourceConflictException.
  let current = await wait('before the update');
  let codeSha256 = current.CodeSha256;
  if (o.code) {
    const input: UpdateFunctionCodeCommandInput = { FunctionName: o.functionName };
    if ('zipFile' in o.code) input.ZipFile = readZip(o.code.zipFile);
    else if ('s3' in o.code) {
      input.S3Bucket = o.code.s3.bucket;
      input.S3Key = o.code.s3.key;
      if (o.code.s3.version) input.S3ObjectVersion = o.code.s3.version;
    } else input.ImageUri = o.code.image;
    const what =
      'zipFile' in o.code
        ? `zip ${o.code.zipFile} (${mb(input.ZipFile!.byteLength)})`
        : 's3' in o.code
          ? `s3://${o.code.s3.bucket}/${o.code.s3.key}`
          : `image ${o.code.image}`;
    o.log(`updating code of ${o.functionName} from ${what}`);
    const res = await tagged('lambda:UpdateFunctionCode', () =>
      lambda.send(new (sdk().UpdateFunctionCodeCommand)(input), opt),
    );
    codeSha256 = res.CodeSha256 ?? codeSha256;
    updates.push('code');
    current = await wait('code update');
  }
  if (o.config && Object.values(o.config).some((v) => v !== undefined)) {
    const c = o.config;
    const input: UpdateFunctionConfigurationCommandInput = { FunctionName: o.functionName };
    const changed: string[] = [];
    if (c.environment) {
      const merged = c.replaceEnvironment
        ? { ...c.environment }
        : { ...(current.Environment?.Variables ?? {}), ...c.environment };
      input.Environment = { Variables: merged };
      // Names only: values may be secrets.
      changed.push(
        `environment (${Object.keys(c.environment).join(', ')}${c.replaceEnvironment ? ', replacing the rest' : ''})`,
      );
    }
    const set = <K extends keyof UpdateFunctionConfigurationCommandInput>(
      key: K,
      value: UpdateFunctionConfigurationCommandInput[K] | undefined,
      shown: string,
    ) => {
      if (value === undefined) return;
      input[key] = value;
      changed.push(shown);
    };
    set('MemorySize', c.memory, `memory ${c.memory} MB`);
    set('Timeout', c.timeoutSeconds, `timeout ${c.timeoutSeconds}s`);
    set('Handler', c.handler, `handler ${c.handler}`);
    set('Runtime', c.runtime as UpdateFunctionConfigurationCommandInput['Runtime'], `runtime ${c.runtime}`);
    set('Description', c.description, 'description');
    o.log(`updating configuration of ${o.functionName}: ${changed.join(', ')}`);
    await tagged('lambda:UpdateFunctionConfiguration', () =>
      lambda.send(new (sdk().UpdateFunctionConfigurationCommand)(input), opt),
    );
    updates.push('configuration');
    current = await wait('configuration update');
  }
  const out: LambdaDeployOutcome = {
    functionArn: stripQualifier(current.FunctionArn ?? ''),
    codeSha256: current.CodeSha256 ?? codeSha256,
    updates,
  };
  if (!o.publish && !o.alias) return out;
  const pub = await tagged('lambda:PublishVersion', () =>
    lambda.send(
      new (sdk().PublishVersionCommand)({
        FunctionName: o.functionName,
        ...(out.codeSha256 ? { CodeSha256: out.codeSha256 } : {}),
        ...(current.RevisionId ? { RevisionId: current.RevisionId } : {}),
        ...(o.description ? { Description: o.description } : {}),
      }),
      opt,
    ),
  );
  out.version = pub.Version;
  if (!out.version) throw new Error('PublishVersion returned no version');
  o.log(`published version ${out.version} (code ${pub.CodeSha256 ?? out.codeSha256 ?? '?'})`);
  // A freshly published version can itself be Pending (e.g. SnapStart); the alias may move to it anyway.
  if (!o.alias) return out;
  const alias = o.alias;
  let existing: AliasConfiguration | undefined;
  try {
    existing = await tagged('lambda:GetAlias', () =>
      lambda.send(new (sdk().GetAliasCommand)({ FunctionName: o.functionName, Name: alias }), opt),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  if (existing) {
    out.previousVersion = existing.FunctionVersion;
    const res = await tagged('lambda:UpdateAlias', () =>
      lambda.send(
        new (sdk().UpdateAliasCommand)({
          FunctionName: o.functionName,
          Name: alias,
          FunctionVersion: out.version,
          ...(existing.RevisionId ? { RevisionId: existing.RevisionId } : {}),
        }),
        opt,
      ),
    );
    out.aliasArn = res.AliasArn ?? existing.AliasArn;
    o.log(`moved alias ${alias}: version ${existing.FunctionVersion ?? '?'} → ${out.version}`);
  } else {
    const res = await tagged('lambda:CreateAlias', () =>
      lambda.send(
        new (sdk().CreateAliasCommand)({
          FunctionName: o.functionName,
          Name: alias,
          FunctionVersion: out.version,
        }),
        opt,
      ),
    );
    out.aliasArn = res.AliasArn;
    out.aliasCreated = true;
    o.log(`created alias ${alias} → version ${out.version}`);
  }
  return out;
}

/** The unqualified function ARN (GetFunctionConfiguration of $LATEST may carry `:$LATEST`). */
function stripQualifier(arn: string): string {
  const parts = arn.split(':');
  return parts.length === 8 ? parts.slice(0, 7).join(':') : arn;
}

/** What one invocation returned. */
export interface InvokeOutcome {
  statusCode: number;
  functionError?: string;
  payload: string;
  logTail: string[];
  executedVersion?: string;
}

/** Invokes synchronously with LogType Tail; the log tail is decoded (the last `lines` lines). */
export async function invokeFunction(
  lambda: LambdaClient,
  o: { functionName: string; qualifier?: string; payload: string; signal: AbortSignal; lines?: number },
): Promise<InvokeOutcome> {
  const res = await tagged('lambda:InvokeFunction', () =>
    lambda.send(
      new (sdk().InvokeCommand)({
        FunctionName: o.functionName,
        ...(o.qualifier ? { Qualifier: o.qualifier } : {}),
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: new TextEncoder().encode(o.payload),
      }),
      { abortSignal: o.signal },
    ),
  );
  const log = res.LogResult ? Buffer.from(res.LogResult, 'base64').toString('utf8') : '';
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  return {
    statusCode: res.StatusCode ?? 0,
    ...(res.FunctionError ? { functionError: res.FunctionError } : {}),
    payload: res.Payload ? Buffer.from(res.Payload).toString('utf8') : '',
    logTail: lines.slice(-(o.lines ?? 20)),
    ...(res.ExecutedVersion ? { executedVersion: res.ExecutedVersion } : {}),
  };
}
