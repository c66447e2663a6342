/**
 * The window's switch refusals are the CLI's: the bridge checks only the request's shape, and the core (the
 * one the CLI calls) decides and words every refusal — here with switch files in an unknown state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeHandlers, handleRequest } from '../../main/app/bridge-handlers';
import { createOffload, type Offload } from '../../main/core/offload';

describe('switchConfig from the window', () => {
  let dir: string;
  let core: Offload;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-switch-window-'));
    // The key is missing from .env: the files' state is unknown (neither local nor aws).
    fs.writeFileSync(path.join(dir, '.env'), 'OTHER=1\n');
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: switch-window
switch:
  files:
    - path: .env
      keys:
        OLLAMA_HOST: { aws: "https://bedrock.example.internal", local: "http://localhost:11434" }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
`,
    );
    core = await createOffload({
      projectDir: dir,
      dataDir: path.join(dir, '..', `${path.basename(dir)}-data`),
      env: { ...process.env },
      log: () => undefined,
    });
    await core.trustProject();
  }, 60_000);

  afterAll(async () => {
    await core?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(dir, '..', `${path.basename(dir)}-data`), { recursive: true, force: true });
  });

  it('refuses aws with the core’s reason, word for word, and switches local like the CLI', async () => {
    expect(core.state().aws?.configTarget).toBe('unknown');
    const shell = {
      openExternal: async () => {},
      chooseProject: async () => {},
      writeClipboard: async () => {},
    } as unknown as Parameters<typeof createBridgeHandlers>[1]; // the window's side is not used here
    const handlers = createBridgeHandlers(core, shell);
    const cliReason = await core.switchConfig('aws').then(
      () => 'switched',
      (e: Error) => e.message,
    );
    expect(cliReason).toMatch(/no AWS gate/);
    expect(await handleRequest(handlers, core, 'switchConfig', ['aws'])).toEqual({ error: cliReason });

    expect(await handleRequest(handlers, core, 'switchConfig', ['local'])).toEqual({ result: null });
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(
      'OTHER=1\nOLLAMA_HOST=http://localhost:11434\n',
    );
    expect(core.state().aws?.configTarget).toBe('local');
    // A bad shape is still the bridge's own refusal.
    expect(await handleRequest(handlers, core, 'switchConfig', ['prod'])).toEqual({
      error: 'refused: switchConfig: target must be "aws" or "local"',
    });
  }, 30_000);
});
