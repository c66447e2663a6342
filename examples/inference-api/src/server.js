// inference-api: forwards completion requests to the model backend named by MODEL_URL (.env).
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

/** Reads KEY=value lines from .env without overriding the real environment. */
function loadEnv(file = path.join(__dirname, '..', '.env')) {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
}

function createServer() {
  return http.createServer(async (req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', backend: process.env.MODEL_URL || null }));
      return;
    }
    if (req.url === '/v1/generate' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      try {
        const upstream = await fetch(new URL('/api/generate', process.env.MODEL_URL), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      } catch (err) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `model backend unreachable: ${err.message}` }));
      }
      return;
    }
    res.writeHead(404);
    res.end();
  });
}

module.exports = { createServer, loadEnv };

if (require.main === module) {
  loadEnv();
  const port = Number(process.env.PORT || 8080);
  createServer().listen(port, '127.0.0.1', () =>
    console.log(`inference-api listening on http://127.0.0.1:${port}`),
  );
}
