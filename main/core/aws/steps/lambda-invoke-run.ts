/** The `lambda-invoke` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { compileUserRegex } from '../../units/regex';
import { iamActionOf, invokeFunction } from '../lambda';
import { awsFailure, withClients } from '../step-support';
import { invokeSpecProblems, type LambdaInvokeSpec } from './lambda-invoke';
import { deployedInRun, fnKey } from './lambda-deploy-run';

/** Where `actual` differs from the JSON subset `expected` (undefined when it matches). */
export function jsonSubsetMismatch(expected: unknown, actual: unknown, at = '$'): string | undefined {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(expected, actual) || expected === actual
      ? undefined
      : `${at}: expected ${JSON.stringify(expected)}, got ${actual === undefined ? 'nothing' : JSON.stringify(actual)?.slice(0, 200)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${at}: expected a list, got ${JSON.stringify(actual)?.slice(0, 200) ?? 'nothing'}`;
    if (actual.length !== expected.length)
      return `${at}: expected ${expected.length} item(s), got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = jsonSubsetMismatch(expected[i], actual[i], `${at}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
    return `${at}: expected an object, got ${JSON.stringify(actual)?.slice(0, 200) ?? 'nothing'}`;
  for (const [k, v] of Object.entries(expected)) {
    const m = jsonSubsetMismatch(v, (actual as Record<string, unknown>)[k], `${at}.${k}`);
    if (m) return m;
  }
  return undefined;
}

/** A Lambda error payload ({errorType, errorMessage}) as one line. */
function errorLine(payload: string): string {
  try {
    const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    if (p && (p.errorMessage || p.errorType))
      return `${p.errorType ? `${p.errorType}: ` : ''}${p.errorMessage ?? ''}`.slice(0, 500);
  } catch {
    // not JSON: shown as is
  }
  return payload.slice(0, 500) || 'no error payload';
}

/** Invokes the function (by default what lambda-deploy published in this run) and checks status and body. */
export async function executeLambdaInvoke(
  ctx: StepContext,
  step: ResolvedStep<LambdaInvokeSpec>,
): Promise<StepResult> {
  const spec = step.spec;
  const refused = invokeSpecProblems(spec);
  if (refused.length) return { status: 'failed', summary: refused.join('; ') };
  const qualifier = spec.qualifier ?? deployedInRun.get(fnKey(ctx.runId, spec.function));
  const payload =
    spec.payload === undefined
      ? '{}'
      : typeof spec.payload === 'string'
        ? spec.payload
        : JSON.stringify(spec.payload);
  const target = `${spec.function}${qualifier ? `:${qualifier}` : ''}`;
  try {
    const out = await withClients(ctx, (c) =>
      invokeFunction(c.lambda, {
        functionName: spec.function,
        qualifier,
        payload,
        signal: ctx.signal,
        lines: spec['log-lines'] ?? 20,
      }),
    );
    ctx.log(
      `invoked ${target}: StatusCode ${out.statusCode}${out.executedVersion ? `, version ${out.executedVersion}` : ''}${out.functionError ? `, FunctionError ${out.functionError}` : ''}\n`,
      'info',
    );
    ctx.setOutput('status-code', String(out.statusCode));
    if (out.executedVersion) ctx.setOutput('executed-version', out.executedVersion);
    ctx.setOutput('payload', out.payload.slice(0, 4096));
    ctx.record('lambda-invoke', { function: spec.function, qualifier, ...out });
    const showLog = () => {
      if (out.logTail.length === 0) return;
      ctx.log(`last ${out.logTail.length} line(s) of the invocation's log:\n`, 'stderr');
      for (const l of out.logTail) ctx.log(`  ${l}\n`, 'stderr');
    };
    if (out.functionError) {
      showLog();
      const last = [...out.logTail].reverse().find((l) => !/^(END|REPORT|START) RequestId/.test(l));
      return {
        status: 'failed',
        summary: `${target} failed (${out.functionError}): ${errorLine(out.payload)}${last ? ` — log: ${last.trim().slice(0, 200)}` : ''}`,
      };
    }
    const want = spec.status ?? 200;
    if (out.statusCode !== want) {
      showLog();
      return {
        status: 'failed',
        summary: `${target} answered StatusCode ${out.statusCode} (expected ${want})`,
      };
    }
    const problem = bodyProblem(spec.body, out.payload);
    if (problem) {
      ctx.log(`payload: ${out.payload.slice(0, 2000)}\n`, 'stderr');
      showLog();
      return { status: 'failed', summary: `${target}: ${problem}` };
    }
    return {
      status: 'passed',
      summary: `${target}: StatusCode ${out.statusCode}${spec.body !== undefined ? ', body as expected' : ''}`,
    };
  } catch (err) {
    return awsFailure(ctx, err, iamActionOf(err, 'lambda:InvokeFunction'), target);
  }
}

function bodyProblem(want: LambdaInvokeSpec['body'], payload: string): string | undefined {
  if (want === undefined) return undefined;
  const spec = typeof want === 'string' ? { contains: want } : want;
  if (spec.contains !== undefined && !payload.includes(spec.contains))
    return `the payload does not contain ${JSON.stringify(spec.contains)}`;
  if (spec.regex !== undefined) {
    if (!compileUserRegex(spec.regex).test(payload)) return `the payload does not match /${spec.regex}/`;
  }
  if (spec.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return `the payload is not JSON: ${payload.slice(0, 200)}`;
    }
    const m = jsonSubsetMismatch(spec.json, parsed);
    if (m) return `the payload does not match: ${m}`;
  }
  return undefined;
}
