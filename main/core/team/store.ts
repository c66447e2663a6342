/**
 * The team's bucket as the evidence and the lock need it: write an object once (`If-None-Match: *`), read one
 * object by key (bounded), delete one only while it is still the version we read (`If-Match`). No listing:
 * every check is one request by a key computed from what is checked.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** The largest record read back (a record is a few KB; anything larger is not one of ours). */
export const MAX_RECORD_BYTES = 256 * 1024;

/** An object read back: its text and the version tag a conditional delete needs. */
export interface StoredObject {
  text: string;
  etag?: string;
}

/** The operations the team needs on its bucket. */
export interface TeamStore {
  /** Writes `body` at `key` unless an object is already there: its version tag, or false when one is there. */
  putOnce(key: string, body: string): Promise<{ etag?: string } | false>;
  /** The object at `key`, undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Deletes `key` only while its version is `etag`; false when it changed (someone else's now). */
  deleteIf(key: string, etag: string | undefined): Promise<boolean>;
  /** Deletes `key` whatever it holds (`offload unlock`). */
  remove(key: string): Promise<void>;
  /** The keys under `prefix`, in key order, at most `max` (for `offload team` only: never per gate check). */
  list(prefix: string, max: number): Promise<string[]>;
}

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

const status = (err: unknown): number | undefined => (err as SdkError)?.$metadata?.httpStatusCode;
const code = (err: unknown): string => (err as SdkError)?.name ?? (err as SdkError)?.Code ?? '';

/** Whether `err` says the object is not there. */
const notFound = (err: unknown): boolean => status(err) === 404 || /NoSuchKey|NotFound/.test(code(err));
/** Whether `err` says a condition did not hold (an object already there, or a changed version). */
const conditionFailed = (err: unknown): boolean =>
  status(err) === 412 || /PreconditionFailed/.test(code(err));
/**
 * Whether `err` is S3's 409 ConditionalRequestConflict: another conditional write to the key is in flight and
 * its outcome is unknown. It is not "already there" (that write may yet fail): retry, as S3 says to.
 */
const conflict = (err: unknown): boolean =>
  status(err) === 409 || /ConditionalRequestConflict/.test(code(err));
/** How often a conditional write meeting a 409 is tried again before it is left to the queue. */
const CONFLICT_RETRIES = 3;

/**
 * Why the bucket could not be reached, in the user's words: expired SSO, AccessDenied naming the action (an
 * S3 action unless `action` names its service: `sts:GetCallerIdentity`)…
 */
export function unreachableCause(err: unknown, action: string): string {
  const c = code(err);
  const msg = ((err as SdkError)?.message ?? String(err)).split('\n')[0]?.slice(0, 200) ?? '';
  // The boundary's refusal (an untrusted project's own endpoint) already says why and what to do.
  if (c === 'EffectRefused') return msg;
  if (/AccessDenied|Forbidden/.test(c) || status(err) === 403)
    return `AccessDenied for ${action.includes(':') ? action : `s3:${action}`}`;
  if (/Token|SSO|Expired|CredentialsProviderError/i.test(`${c} ${msg}`))
    return `${c || 'credentials'}: ${msg}`;
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|TimeoutError|socket/i.test(`${c} ${msg}`))
    return `offline (${msg || c})`;
  return `${c || 'error'}: ${msg}`;
}

/** An S3 request that failed for a reason other than the ones the caller handles. */
export class TeamUnreachable extends Error {
  override name = 'TeamUnreachable';
}

/** The store over one bucket, through clients the boundary built. */
export function s3TeamStore(s3: S3Client, bucket: string): TeamStore {
  const sdk = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const fail = (err: unknown, action: string): never => {
    throw new TeamUnreachable(unreachableCause(err, action), { cause: err });
  };
  return {
    async putOnce(key, body) {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await s3.send(
            new sdk.PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: body,
              ContentType: 'application/json',
              IfNoneMatch: '*',
            }),
          );
          return { etag: r.ETag };
        } catch (err) {
          if (conditionFailed(err)) return false;
          if (!conflict(err) || attempt >= CONFLICT_RETRIES) return fail(err, 'PutObject');
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
      }
    },
    async get(key) {
      try {
        const r = await s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((r.ContentLength ?? 0) > MAX_RECORD_BYTES) {
          r.Body?.transformToWebStream()
            .cancel()
            .catch(() => undefined);
          return { text: '', etag: r.ETag };
        }
        const text = (await r.Body?.transformToString('utf8')) ?? '';
        return { text: text.length > MAX_RECORD_BYTES ? '' : text, etag: r.ETag };
      } catch (err) {
        if (notFound(err)) return undefined;
        return fail(err, 'GetObject');
      }
    },
    async deleteIf(key, etag) {
      try {
        await s3.send(
          new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
        );
        return true;
      } catch (err) {
        if (conditionFailed(err) || conflict(err)) return false; // changed, or being changed: not ours
        if (notFound(err)) return true;
        return fail(err, 'DeleteObject');
      }
    },
    async list(prefix, max) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const r = await s3.send(
            new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token && keys.length < max);
      } catch (err) {
        fail(err, 'ListBucket');
      }
      return keys.slice(0, max);
    },
    async remove(key) {
      try {
        await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (!notFound(err)) fail(err, 'DeleteObject');
      }
    },
  };
}
