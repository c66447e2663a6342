// Which hosts are this machine (units/loopback-host.ts): one answer for the AWS errors' refused addresses, the
// Kubernetes API server's URL and Ollama's host.
import { expect, it } from 'vitest';
import { isLoopbackHost } from '../../main/core/units/loopback-host';

it('127.0.0.0/8, ::1 (bracketed or not), IPv4-mapped 127.x and localhost are this machine; nothing else is', () => {
  for (const h of [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    'localhost',
    'LOCALHOST',
  ])
    expect([h, isLoopbackHost(h)]).toEqual([h, true]);
  for (const h of [
    '10.0.0.1',
    '128.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    'localhost.evil.com',
    'evil-localhost',
    '127.0.0.1.nip.io',
    '',
  ])
    expect([h, isLoopbackHost(h)]).toEqual([h, false]);
});
