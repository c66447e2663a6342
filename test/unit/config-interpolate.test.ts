import { describe, expect, it } from 'vitest';
import {
  interpolate,
  parseDuration,
  parseExpression,
  parseSize,
  scanExpressions,
  type InterpolationContext,
} from '../../main/core/config';

const ctx: InterpolationContext = {
  env: { HOST: 'api.local', EMPTY: '' },
  secrets: { DB_PASSWORD: 's3cr3t', AWS_SECRET_ACCESS_KEY: 'aws-key' },
  steps: { image: { image: 'repo/api:abc123', digest: 'sha256:1' }, quiet: {} },
  project: { name: 'inference-api', dir: '/work/api' },
  run: { id: 'r-42', workflow: 'full' },
};

describe('interpolate (run time)', () => {
  it('replaces every context, deeply, and reports the secrets it used', () => {
    const value = {
      url: 'http://${{ env.HOST }}:8080/${{project.name}}',
      nested: [{ image: '${{ steps.image.outputs.image }}' }, 42, true, null],
      conn: 'postgres://app:${{ secrets.DB_PASSWORD }}@db/${{ run.workflow }}-${{ run.id }}',
      dir: '${{ project.dir }}',
    };
    const out = interpolate(value, ctx);
    expect(out.value).toEqual({
      url: 'http://api.local:8080/inference-api',
      nested: [{ image: 'repo/api:abc123' }, 42, true, null],
      conn: 'postgres://app:s3cr3t@db/full-r-42',
      dir: '/work/api',
    });
    expect(out.secretsUsed).toEqual(['DB_PASSWORD']);
    expect(
      interpolate('${{ secrets.AWS_SECRET_ACCESS_KEY }}${{ secrets.DB_PASSWORD }}', ctx).secretsUsed.sort(),
    ).toEqual(['AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD']);
    expect(interpolate('empty=[${{ env.EMPTY }}]', ctx).value).toBe('empty=[]');
    expect(interpolate('a ${ HOME } b', ctx)).toEqual({ value: 'a ${ HOME } b', secretsUsed: [] });
  });

  it('does not change the input', () => {
    const input = { a: ['${{ env.HOST }}'] };
    interpolate(input, ctx);
    expect(input).toEqual({ a: ['${{ env.HOST }}'] });
  });

  it('throws a clear error naming the step and key when an output is missing', () => {
    expect(() => interpolate({ x: '${{ steps.image.outputs.tag }}' }, ctx)).toThrow(
      "${{ steps.image.outputs.tag }}: step 'image' did not publish output 'tag' (it published: image, digest; write tag=… to \"$OFFLOAD_OUTPUT\")",
    );
    expect(() => interpolate('${{ steps.quiet.outputs.v }}', ctx)).toThrow(
      /step 'quiet' did not publish output 'v' \(it published no outputs/,
    );
    expect(() => interpolate('${{ steps.push.outputs.image }}', ctx)).toThrow(
      /step 'push' has not run in this run/,
    );
    expect(() => interpolate('${{ env.NOPE }}', ctx)).toThrow(/environment variable NOPE is not set/);
    expect(() => interpolate('${{ secrets.API_KEY }}', ctx)).toThrow(/secret API_KEY is not set/);
    expect(() => interpolate('x ${{ env.HOST', ctx)).toThrow(/unclosed/);
    expect(() => interpolate('${{ 1 + 1 }}', ctx)).toThrow(/bad expression/);
  });
});

describe('expression parsing', () => {
  it('recognises the five contexts', () => {
    expect(parseExpression(' env.PATH ')).toEqual({ ref: { context: 'env', name: 'PATH' } });
    expect(parseExpression('secrets.DB_PASSWORD')).toEqual({
      ref: { context: 'secrets', name: 'DB_PASSWORD' },
    });
    expect(parseExpression('steps.build-image.outputs.image_tag')).toEqual({
      ref: { context: 'steps', step: 'build-image', key: 'image_tag' },
    });
    expect(parseExpression('project.dir')).toEqual({ ref: { context: 'project', name: 'dir' } });
    expect(parseExpression('run.id')).toEqual({ ref: { context: 'run', name: 'id' } });
  });

  it('says what was expected for anything else', () => {
    expect(parseExpression('').error).toMatch(/empty expression/);
    expect(parseExpression("format('{0}', env.A)").error).toMatch(
      /operators and functions are not supported/,
    );
    expect(parseExpression('github.sha').error).toMatch(/unknown context 'github'/);
    expect(parseExpression('env').error).toMatch(/expected env.NAME/);
    expect(parseExpression('steps.a.result').error).toMatch(/expected steps.<id>.outputs.<key>/);
    expect(parseExpression('run.number').error).toMatch(/expected run.id or run.workflow/);
  });

  it('scans several expressions with their offsets', () => {
    const found = scanExpressions('a ${{ env.A }} b ${{x.y}} c ${{ env.B');
    expect(found.map((m) => [m.index, m.raw, !!m.ref, !!m.error])).toEqual([
      [2, '${{ env.A }}', true, false],
      [17, '${{x.y}}', false, true],
      [28, '${{ env.B', false, true],
    ]);
  });
});

describe('units', () => {
  it('parses durations to ms', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });

  it('parses sizes to bytes', () => {
    expect(parseSize('200MB')).toBe(200 * 1024 * 1024);
    expect(parseSize('1GB')).toBe(1024 ** 3);
    expect(parseSize('512 KiB')).toBe(512 * 1024);
    expect(parseSize('1mb')).toBe(1024 * 1024);
    expect(parseSize(1000)).toBe(1000);
    expect(parseSize('1000')).toBe(1000);
    expect(parseSize('12XB')).toBeUndefined();
  });
});
