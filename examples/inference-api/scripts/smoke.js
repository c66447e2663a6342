// Dev-system check: start the service, ask /health, stop it. Exits non-zero if it does not answer.
'use strict';
const { createServer } = require('../src/server');
process.env.MODEL_URL = process.env.MODEL_URL || 'http://127.0.0.1:11434';
const server = createServer().listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}/health`;
  try {
    const res = await fetch(url);
    console.log(`GET ${url} -> ${res.status} ${await res.text()}`);
    process.exitCode = res.status === 200 ? 0 : 1;
  } catch (err) {
    console.error(`service did not answer: ${err.message}`);
    process.exitCode = 1;
  } finally {
    server.close();
  }
});
