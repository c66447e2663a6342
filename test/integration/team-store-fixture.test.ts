/**
 * The team store (main/core/team/store.ts) over the real SDK against the endpoint fixture's S3, for the wire
 * details moto never shows: a 409 ConditionalRequestConflict on a conditional write (another write to the
 * same key in flight: retry, never "already there"), listings that page by continuation token, a stale
 * `If-Match` on the lock's delete, and AccessDenied naming the action.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3TeamStore, TeamUnreachable, type TeamStore } from '../../main/core/team/store';
import { startFixtureBackend, TEAM_BUCKET, type TeamBackend } from '../helpers/team-backends';

let b: TeamBackend;
let store: TeamStore;
beforeAll(async () => {
  b = await startFixtureBackend();
  store = s3TeamStore(b.s3, TEAM_BUCKET);
});
afterAll(async () => {
  await b?.close();
});

describe('the team store on the endpoint fixture', () => {
  it('a write that meets a concurrent conditional write (409) is retried, not counted as already there', async () => {
    b.fixture?.faults.push({ op: 'PutObject', kind: 'conflict', times: 1 });
    const put = await store.putOnce('c/run.json', '{"run":1}');
    expect(put).toMatchObject({ etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(await b.read('c/run.json')).toBe('{"run":1}');
    expect(await store.putOnce('c/run.json', '{"run":2}')).toBe(false); // 412: it is there now
    expect(await b.read('c/run.json')).toBe('{"run":1}');
  });

  it('a write that keeps conflicting fails (so the queue keeps it) instead of being dropped', async () => {
    b.fixture?.faults.push({ op: 'PutObject', kind: 'conflict', times: 10 });
    const err = await store.putOnce('c/busy.json', '{}').catch((e: unknown) => e);
    b.fixture?.faults.splice(0);
    expect(err).toBeInstanceOf(TeamUnreachable);
    expect((err as Error).message).toMatch(/^ConditionalRequestConflict: /);
  });

  it('lists past one page by continuation token, in key order, up to the cap', async () => {
    const objects = b.fixture!.s3.bucket(TEAM_BUCKET);
    for (let i = 0; i < 2100; i++) b.fixture!.s3.put(TEAM_BUCKET, `l/${String(i).padStart(5, '0')}`, '{}');
    const all = await store.list('l/', 10_000);
    expect(all.length).toBe(2100);
    expect(all[0]).toBe('l/00000');
    expect(all[2099]).toBe('l/02099');
    expect((await store.list('l/', 1500)).length).toBe(1500);
    const lists = b.fixture!.requests.filter((r) => r.op === 'ListObjectsV2');
    expect(lists.length).toBe(3 + 2);
    for (const k of all) objects.delete(k);
  });

  it('deletes the lock only while it is the version read; a stale tag leaves it', async () => {
    const put = await store.putOnce('c/lock.json', '{"v":1}');
    expect(put).not.toBe(false);
    expect(await store.deleteIf('c/lock.json', '"0123456789abcdef0123456789abcdef"')).toBe(false);
    expect(await b.read('c/lock.json')).toBe('{"v":1}');
    expect(await store.deleteIf('c/lock.json', (put as { etag: string }).etag)).toBe(true);
    expect(await store.get('c/lock.json')).toBeUndefined();
    expect(await store.deleteIf('c/lock.json', (put as { etag: string }).etag)).toBe(true); // already gone
  });

  it('the fixture refuses an object past its cap with EntityTooLarge and keeps nothing of it', async () => {
    const put = new PutObjectCommand({
      Bucket: TEAM_BUCKET,
      Key: 'c/big',
      Body: Buffer.alloc(1024 * 1024 + 1),
    });
    const err = await b.s3.send(put).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'EntityTooLarge', $metadata: { httpStatusCode: 400 } });
    expect(b.fixture?.s3.bucket(TEAM_BUCKET).has('c/big')).toBe(false);
  });

  it('AccessDenied names the action the policy lacks', async () => {
    b.fixture?.faults.push({ op: 'GetObject', kind: 'denied', times: 1 });
    await expect(store.get('c/any.json')).rejects.toThrow('AccessDenied for s3:GetObject');
  });
});
