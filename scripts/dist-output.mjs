// Reads electron-builder's output for scripts/dist.mjs: the line where its helper failed to download Electron's
// release zip, and the one line said instead of the stack trace that follows it.

/** The zip, URL and cause when `line` is electron-builder's failed Electron download, else undefined. */
export function downloadFailure(line) {
  // `⨯ Get "URL": dial tcp: lookup HOST: no such host`, `⨯ cannot resolve URL: status code 404`
  const m = /⨯\s.*?(https?:\/\/[^\s"]*\/(electron-v[^\s"/]+\.zip))"?:?\s*(.*)$/.exec(line);
  return m ? { url: m[1], zip: m[2], cause: m[3].trim() || 'no reason given' } : undefined;
}

/** What is missing and how to point the build at an Electron on disk, in one line. */
export function electronDistHint(failure) {
  const cause = failure.cause.replace(/^dial tcp:? /, '').slice(0, 120);
  return (
    `offload: packaging needs ${failure.zip} and could not download it (${cause}); ` +
    'point the build at an Electron on disk: `npm run dist -- -c.electronDist=PATH` ' +
    `(a folder holding ${failure.zip}, that zip, or an unpacked Electron such as node_modules/electron/dist ` +
    'after `node scripts/get-electron.mjs`), or set ELECTRON_MIRROR'
  );
}
