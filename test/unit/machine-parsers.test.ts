import { describe, expect, it } from 'vitest';
import { reachableHost } from '../../main/core/platform/proc-info';
import { parseListeningSockets, parseProcNetTcp, parseProcStat } from '../../main/core/platform/proc-linux';
import { parsePsOutput, parsePsTime } from '../../main/core/platform/proc-darwin';
import { splitCommandLine } from '../../main/core/platform/proc-reader';
import { parseComputeApps, parseGpuLine } from '../../main/core/machine/gpu-nvidia';
import { systemdUnitFromCgroup } from '../../main/core/machine/supervisor';
import { portFromOllamaHost } from '../../main/core/machine/graceful';

describe('platform parsers', () => {
  it('parses /proc/<pid>/stat, including a comm with spaces and parentheses', () => {
    const line =
      '4242 (ollama (app) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 987654 2000000000 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0';
    expect(parseProcStat(line, 4096)).toEqual({
      comm: 'ollama (app) x',
      state: 'S',
      ppid: 1,
      cpuMs: 3000,
      start: 987654,
      rssBytes: 3000 * 4096,
    });
  });

  it('marks a kernel thread (PF_KTHREAD in the flags field)', () => {
    const line = '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 5 0 0 18446744073709551615';
    expect(parseProcStat(line, 4096)).toMatchObject({ comm: 'kthreadd', ppid: 0, start: 5, kthread: true });
    expect(parseProcStat(line.replace('2129984', '4194560'), 4096)?.kthread).toBeUndefined();
  });

  it('parses listening sockets from /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55512 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:2CAA 0100007F:D1F2 01 00000000:00000000 00:00000000 00000000  1000        0 55999 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect([...parseProcNetTcp(text)]).toEqual([[55512, 11434]]);
  });

  it('parses listening addresses from /proc/net/tcp and tcp6, and where a local client reaches them', () => {
    const head =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    const v4 = [
      head,
      '   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55512 1 0 100 0 0 10 0',
      '   1: 00000000:1FFC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55513 1 0 100 0 0 10 0',
      '   2: 0500000A:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55514 1 0 100 0 0 10 0',
      '   3: 0100007F:2CAA 0100007F:D1F2 01 00000000:00000000 00:00000000 00000000  1000        0 55999 1 0 20 4 30 10 -1',
    ].join('\n');
    const v6 = [
      head,
      '   0: 00000000000000000000000000000000:2CAA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 66001 1 0 100 0 0 10 0',
      '   1: 00000000000000000000000001000000:1FFC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 66002 1 0 100 0 0 10 0',
      '   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 66003 1 0 100 0 0 10 0',
    ].join('\n');
    const m = parseListeningSockets(v6, parseListeningSockets(v4));
    expect([...m].map(([inode, s]) => [inode, s.address, s.port, reachableHost(s.address)])).toEqual([
      [55512, '127.0.0.1', 11434, '127.0.0.1'],
      [55513, '0.0.0.0', 8188, '127.0.0.1'],
      [55514, '10.0.0.5', 8080, '10.0.0.5'],
      [66001, '::', 11434, '::1'],
      [66002, '::1', 8188, '::1'],
      [66003, '::ffff:127.0.0.1', 8080, '127.0.0.1'],
    ]);
    expect(reachableHost('*')).toBe('127.0.0.1');
    expect(reachableHost('[::]')).toBe('::1');
  });

  it('parses ps output (macOS reader)', () => {
    expect(parsePsTime('1:02.50')).toBe(62_500);
    expect(parsePsTime('1-00:00:01')).toBe(86_401_000);
    const [p] = parsePsOutput(
      '  812     1   501  412000   0:12.34 /opt/homebrew/bin/ollama serve\n',
      () => 'me',
    );
    expect(p).toMatchObject({
      pid: 812,
      ppid: 1,
      uid: 501,
      user: 'me',
      rssBytes: 412000 * 1024,
      cpuMs: 12_340,
      argv: ['/opt/homebrew/bin/ollama', 'serve'],
    });
    expect(splitCommandLine('"C:\\Program Files\\x.exe" serve --a "b c"')).toEqual([
      'C:\\Program Files\\x.exe',
      'serve',
      '--a',
      'b c',
    ]);
  });

  it('parses nvidia-smi CSV lines, [N/A] included', () => {
    expect(parseGpuLine('0, NVIDIA GeForce RTX 4090, 37, 10240, 24564, 61')).toEqual({
      index: 0,
      name: 'NVIDIA GeForce RTX 4090',
      vendor: 'NVIDIA',
      utilizationPct: 37,
      memUsedBytes: 10240 * 1048576,
      memTotalBytes: 24564 * 1048576,
      temperatureC: 61,
    });
    expect(parseGpuLine('1, Tesla T4, [N/A], 3, 15360, [Not Supported]')).toMatchObject({
      utilizationPct: undefined,
      temperatureC: undefined,
    });
    expect(parseGpuLine('No devices were found')).toBeNull();
    expect([...parseComputeApps('1234, 2048\n1234, 1024\n99, [N/A]\n')]).toEqual([
      [1234, 3072 * 1048576],
      [99, 0],
    ]);
  });

  it('recognises systemd units from cgroups', () => {
    expect(systemdUnitFromCgroup('0::/system.slice/ollama.service\n')).toEqual({
      unit: 'ollama.service',
      user: false,
    });
    expect(
      systemdUnitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service/app.slice/ollama.service'),
    ).toEqual({
      unit: 'ollama.service',
      user: true,
    });
    expect(systemdUnitFromCgroup('0::/user.slice/user-1000.slice/session-3.scope')).toBeNull();
    expect(systemdUnitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service')).toBeNull();
    expect(systemdUnitFromCgroup('0::/')).toBeNull();
    expect(portFromOllamaHost('0.0.0.0:11435')).toBe(11435);
    expect(portFromOllamaHost('http://127.0.0.1:8080/')).toBe(8080);
  });
});
