#!/usr/bin/env node
// The `offload` command: the CLI bundle built by `npm run build`.
require('../dist/cli.js');
