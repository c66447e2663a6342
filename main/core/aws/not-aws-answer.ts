/**
 * A success that is an HTML page is never AWS's: a wrong `aws.endpoint` (any web server), a captive portal or
 * a proxy's sign-in page. The JSON protocols fail to parse it (errors.ts reads that), but the XML ones
 * (CloudFormation, STS) parse a page into an empty answer: "no stacks", a deploy on a false premise. This
 * middleware refuses an HTML document answered as a success before the SDK reads it, for every client.
 */

/** The SDK's handler shape, as far as this middleware uses it. */
type Handler = (args: unknown) => Promise<unknown>;

/** Operations whose success body is the user's own bytes (an S3 object, a function's reply), any type. */
const USER_BODY = new Set(['GetObjectCommand', 'InvokeCommand']);

/** Thrown for a 2xx answer in a web page's content type; errors.ts classifies it as `not-aws`. */
export class NotAwsAnswerError extends Error {
  override name = 'NotAwsAnswerError';
  readonly $metadata: { httpStatusCode: number };
  constructor(
    readonly contentType: string,
    status: number,
  ) {
    super(`the answer (HTTP ${status}) is ${contentType}, not an AWS API response`);
    this.$metadata = { httpStatusCode: status };
  }
}

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

/** The start of an HTML document (moto labels its JSON and XML answers text/html too: the body decides). */
const HTML_START = /^\s*<(?:!doctype\s+html|html|head|body|title)[\s>]/i;

/** Reads a response body whole (the SDK's deserializer would read it whole too); a Uint8Array as it is. */
async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The middleware (deserialize step, below the SDK's deserializer: it sees the raw response first). */
const notAwsAnswerMiddleware =
  (next: Handler, context: { commandName?: string }): Handler =>
  async (args) => {
    const out = await next(args);
    if (USER_BODY.has(String(context.commandName))) return out;
    const r = ((out as { response?: unknown }).response ?? {}) as RawResponse;
    const type = r.headers?.['content-type']?.split(';')[0]?.trim().toLowerCase();
    const status = r.statusCode ?? 0;
    if (status < 200 || status >= 300 || type !== 'text/html') return out;
    // Real AWS never answers text/html; moto does, with JSON or XML in it: read it once, look, hand it on.
    let body: Buffer | undefined;
    try {
      body = await readBody(r.body);
    } catch (err) {
      // cut off mid-body: AWS (or moto) answered, the rest was lost; the status says so, as the SDK's would
      if (err && typeof err === 'object' && !('$metadata' in err))
        Object.assign(err, { $metadata: { httpStatusCode: status } });
      throw err;
    }
    if (!body) return out;
    r.body = body;
    if (HTML_START.test(body.subarray(0, 1024).toString('utf8'))) throw new NotAwsAnswerError(type, status);
    return out;
  };

/** Adds the middleware to a client's stack (`client.middlewareStack`). */
export function refuseWebPages(stack: unknown): void {
  (
    stack as {
      add(mw: typeof notAwsAnswerMiddleware, o: { step: 'deserialize'; name: string; priority: 'low' }): void;
    }
  ).add(notAwsAnswerMiddleware, { step: 'deserialize', name: 'offloadNotAwsAnswer', priority: 'low' });
}
