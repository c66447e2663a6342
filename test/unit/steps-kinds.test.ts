// The http and tcp kinds against real servers on 127.0.0.1, and the masking line buffer.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Masker, MaskingLineBuffer } from '../../main/core/workflow/mask';
import { parseOutputFile } from '../../main/core/workflow/outputs';
import { httpStep, type HttpSpec } from '../../main/core/workflow/steps/http';
import { parseTcpTarget, tcpStep, type TcpSpec } from '../../main/core/workflow/steps/tcp';
import type { ResolvedStep, StepContext } from '../../main/core/workflow/types';

function ctx(signal = new AbortController().signal): StepContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    runId: 'r',
    projectDir: '/',
    phase: 'aws-test',
    stepId: 's',
    attempt: 1,
    signal,
    env: {},
    cwd: '/',
    log: (t) => void lines.push(t),
    setOutput: () => {},
    addMask: () => {},
    record: () => {},
    services: {},
  };
}
const step = <S>(spec: S): ResolvedStep<S> => ({
  id: 's',
  name: 's',
  kind: 'k',
  spec,
  extra: {},
  timeoutMs: undefined,
});

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/health') return res.writeHead(200).end('{"status":"ok"}');
    if (req.url === '/down') return res.writeHead(503).end('down');
    if (req.url === '/slow') return setTimeout(() => res.writeHead(200).end('late'), 2000);
    if (req.url === '/auth') return res.writeHead(req.headers.authorization === 'Bearer t' ? 204 : 401).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('http step', () => {
  it('passes on an expected status with a matching body', async () => {
    const c = ctx();
    const r = await httpStep.execute(c, step<HttpSpec>({ url: `${base}/health`, body: '"status":"ok"' }));
    expect(r.status).toBe('passed');
    expect(r.summary).toMatch(/^HTTP 200 in \d+ ms$/);
    expect(c.lines.join('')).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/health -> 200/);
    expect(
      (
        await httpStep.execute(
          ctx(),
          step<HttpSpec>({ url: `${base}/health`, body: { regex: 'status.:.ok' } }),
        )
      ).status,
    ).toBe('passed');
  });

  it('fails with what was expected: status, body', async () => {
    const down = await httpStep.execute(ctx(), step<HttpSpec>({ url: `${base}/down` }));
    expect(down).toMatchObject({ status: 'failed' });
    expect(down.summary).toMatch(/^HTTP 503 in \d+ ms \(expected 200-399\)$/);
    const notThis = await httpStep.execute(
      ctx(),
      step<HttpSpec>({ url: `${base}/health`, status: [201, 202] }),
    );
    expect(notThis.summary).toMatch(/expected 201 or 202/);
    const body = await httpStep.execute(ctx(), step<HttpSpec>({ url: `${base}/health`, body: 'healthy' }));
    expect(body.summary).toMatch(/body does not contain "healthy"/);
  });

  it('sends headers and method', async () => {
    expect(
      (
        await httpStep.execute(
          ctx(),
          step<HttpSpec>({ url: `${base}/auth`, status: 204, headers: { Authorization: 'Bearer t' } }),
        )
      ).status,
    ).toBe('passed');
    expect(
      (await httpStep.execute(ctx(), step<HttpSpec>({ url: `${base}/auth`, method: 'HEAD', status: 401 })))
        .status,
    ).toBe('passed');
  });

  it('connection refused, timeout, abort and a bad URL fail clearly', async () => {
    const tmp = net.createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    const closed = (tmp.address() as AddressInfo).port;
    await new Promise((r) => tmp.close(r));
    const refused = await httpStep.execute(ctx(), step<HttpSpec>({ url: `http://127.0.0.1:${closed}/` }));
    expect(refused.summary).toMatch(/ECONNREFUSED/);
    const slow = await httpStep.execute(ctx(), step<HttpSpec>({ url: `${base}/slow`, timeout: '200ms' }));
    expect(slow.summary).toMatch(/no response in 200 ms/);
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 100);
    const aborted = await httpStep.execute(ctx(ac.signal), step<HttpSpec>({ url: `${base}/slow` }));
    expect(aborted.status).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await httpStep.execute(ctx(), step<HttpSpec>({ url: 'ftp://x' }))).summary).toMatch(
      /invalid URL/,
    );
  });
});

describe('tcp step', () => {
  it('connects to a listening port and reports refusal on a closed one', async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      const ok = await tcpStep.execute(ctx(), step<TcpSpec>(`127.0.0.1:${port}`));
      expect(ok.status).toBe('passed');
      expect(ok.summary).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${port} in \\d+ ms$`));
      expect((await tcpStep.execute(ctx(), step<TcpSpec>({ host: '127.0.0.1', port }))).status).toBe(
        'passed',
      );
    } finally {
      srv.close();
    }
    const refused = await tcpStep.execute(ctx(), step<TcpSpec>(`127.0.0.1:${port}`));
    expect(refused).toMatchObject({ status: 'failed', summary: `ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('parses host:port forms and rejects bad ones', () => {
    expect(parseTcpTarget('[::1]:5432')).toMatchObject({ host: '::1', port: 5432 });
    expect(parseTcpTarget({ host: 'db', port: 5432, timeout: '2s' })).toMatchObject({ timeoutMs: 2000 });
    expect(() => parseTcpTarget('db')).toThrow(/not host:port/);
    expect(() => parseTcpTarget('db:70000')).toThrow(/out of range/);
  });
});

describe('masking line buffer', () => {
  it('masks a secret split across chunks, and ::add-mask:: values from then on', () => {
    const m = new Masker();
    m.add('hunter2-secret');
    const b = new MaskingLineBuffer(m);
    let out = b.push('pass: hun');
    out += b.push('ter2-sec');
    out += b.push('ret ok\n::add-mask::later-val\nnow later-');
    out += b.push('val\n');
    out += b.flush();
    expect(out).toBe('pass: *** ok\n::add-mask::***\nnow ***\n');
  });

  it('a very long line without newline is emitted early without splitting a secret', () => {
    const m = new Masker();
    m.add('SECRETVALUE');
    const b = new MaskingLineBuffer(m, 100);
    const out = b.push('x'.repeat(95) + 'SECRET') + b.push('VALUE' + 'y'.repeat(200)) + b.flush();
    expect(out).toBe('x'.repeat(95) + '***' + 'y'.repeat(200));
  });

  it('multi-line secrets are masked line by line', () => {
    const m = new Masker();
    m.add('line-one-key\nline-two-key');
    expect(m.mask('a line-two-key b')).toBe('a *** b');
  });
});

describe('output file', () => {
  it('reads key=value and heredoc forms; a missing delimiter is an error', () => {
    expect(parseOutputFile('a=1\nb=x=y\nc<<EOF\nl1\nl2\nEOF\n')).toEqual({ a: '1', b: 'x=y', c: 'l1\nl2' });
    expect(() => parseOutputFile('c<<EOF\nl1\n')).toThrow(/no closing 'EOF'/);
    expect(() => parseOutputFile('junk\n')).toThrow(/expected key=value/);
  });
});
