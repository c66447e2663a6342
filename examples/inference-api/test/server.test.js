'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { createServer } = require('../src/server');

test('/health answers ok and names the backend', async () => {
  process.env.MODEL_URL = 'http://127.0.0.1:9';
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/health`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), { status: 'ok', backend: 'http://127.0.0.1:9' });
  } finally {
    server.close();
  }
});

test('an unreachable model backend is a 502 with the reason', async () => {
  process.env.MODEL_URL = 'http://127.0.0.1:9';
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/v1/generate`, {
      method: 'POST',
      body: '{}',
    });
    assert.strictEqual(res.status, 502);
    assert.match((await res.json()).error, /model backend unreachable/);
  } finally {
    server.close();
  }
});
