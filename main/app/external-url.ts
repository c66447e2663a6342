/**
 * The one check before anything leaves the app for the browser: only https links to the AWS console
 * (CloudWatch log groups, alarms…) are opened, never file:, javascript: or arbitrary hosts.
 */

/** Hosts the window may link to: the AWS console, global or regional (eu-west-1.console.aws.amazon.com). */
const CONSOLE_HOST = /^(?:[a-z0-9-]+\.)?console\.aws\.amazon\.com$/;

/** Whether `url` may be opened with shell.openExternal. */
export function isSafeExternalUrl(url: string): boolean {
  if (url.length > 4096) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && !u.port && CONSOLE_HOST.test(u.hostname);
}
