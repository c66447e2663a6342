/**
 * `npm run dist` where Electron's zip cannot be downloaded: electron-builder's failure lines (as its Go helper
 * prints them, copied from real runs) are recognised and turned into one line naming the zip and electronDist.
 */
import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { downloadFailure, electronDistHint } from '../../scripts/dist-output.mjs';

interface Failure {
  url: string;
  zip: string;
  cause: string;
}
const read = downloadFailure as (line: string) => Failure | undefined;
const hint = electronDistHint as (f: Failure) => string;
const ZIP = 'electron-v45.6.1-linux-x64.zip';

describe('electron-builder download failures', () => {
  test.each([
    [
      `  ⨯ Get "https://github.com/electron/electron/releases/download/v45.6.1/${ZIP}": dial tcp: lookup github.com on 10.255.255.53:53: no such host`,
      'dial tcp: lookup github.com on 10.255.255.53:53: no such host',
    ],
    [
      `  ⨯ Get "http://127.0.0.1:1/v45.6.1/${ZIP}": dial tcp 127.0.0.1:1: connect: connection refused`,
      'dial tcp 127.0.0.1:1: connect: connection refused',
    ],
    [`  ⨯ cannot resolve http://127.0.0.1:18777/v45.6.1/${ZIP}: status code 404`, 'status code 404'],
  ])('%s', (line, cause) => {
    const f = read(line);
    expect(f).toEqual({ url: expect.stringMatching(/^https?:\/\/.*\.zip$/) as string, zip: ZIP, cause });
    const text = hint(f as Failure);
    expect(text).not.toContain('\n');
    expect(text).toMatch(
      new RegExp(`^offload: packaging needs ${ZIP.replace(/\./g, '\\.')} and could not download it \\(`),
    );
    expect(text).toContain('`npm run dist -- -c.electronDist=PATH`');
  });

  test('other lines, including the stack trace and the restatement, are not a download failure', () => {
    for (const line of [
      '  • packaging       platform=linux arch=x64 electron=45.6.1 appOutDir=release/linux-unpacked',
      '  • Failed to download using specified CAs, retrying with default System CAs only  ',
      'github.com/develar/app-builder/pkg/download.(*Downloader).follow.func1',
      '  ⨯ /x/node_modules/app-builder-bin/linux/x64/app-builder process failed ERR_ELECTRON_BUILDER_CANNOT_EXECUTE',
      '  • downloading     url=https://github.com/electron/electron/releases/download/v45.6.1/' + ZIP,
    ])
      expect(read(line)).toBeUndefined();
  });
});
