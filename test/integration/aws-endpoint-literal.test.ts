/**
 * `aws.endpoint` is used as written: a `${{ env.SECRET }}` in it was accepted by `offload validate` and then
 * sent literally (`/$%7B%7B%20env.SECRET…`) to the endpoint, a config that could never work and looked as if
 * the user's value went into a URL the project names. It is a config error at its line and column.
 */
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli';

/** A one-step project whose aws.endpoint is `endpoint` (line 9, column 13). */
const withEndpoint = (endpoint: string) =>
  makeProject(`name: ep
phases:
  local:
    steps:
      - name: ok
        run: "true"
aws:
  region: us-east-1
  endpoint: ${endpoint}
`);

describe('aws.endpoint takes no ${{ … }}', () => {
  it('validate names it at its line and column, exit 2', async () => {
    const dir = withEndpoint('"http://127.0.0.1:4566/${{ env.SECRET }}"');
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(
      /offload\.yml:9:13: aws\.endpoint: expected an http:\/\/ or https:\/\/ URL written out/,
    );
  });

  it('a plain endpoint still validates', async () => {
    const dir = withEndpoint('http://127.0.0.1:4566');
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(0);
  });
});
