// Model matchers that reach beyond model servers: tried on command lines of common non-model processes, and a
// matched process checked for a model port or GPU memory before the rule may stop it unasked.
import { describe, expect, it } from 'vitest';
import { parseModelsConfig } from '../../main/core/machine/config';
import { nonModelMatches, notModelLike } from '../../main/core/machine/matcher-breadth';

const matcher = (m: Record<string, unknown>) =>
  parseModelsConfig({ matchers: [{ name: 'mine', ...m }] }).matchers[0]!;

describe('nonModelMatches', () => {
  it("a `cmdline: '.*'` matcher matches shells, http.server and daemons", () => {
    const hits = nonModelMatches(matcher({ cmdline: '.*' }));
    expect(hits).toContain('bash');
    expect(hits).toContain('/usr/bin/python3 -m http.server 8000');
    expect(hits).toContain('/usr/sbin/sshd -D');
    expect(nonModelMatches(matcher({ cmdline: 'python' }))).toEqual(['/usr/bin/python3 -m http.server 8000']);
    expect(nonModelMatches(matcher({ exe: 'bash' }))).toEqual(['bash']);
  });

  it('a matcher naming its server matches none of them', () => {
    expect(nonModelMatches(matcher({ cmdline: 'my-llm-server --port 9000' }))).toEqual([]);
    expect(nonModelMatches(matcher({ exe: 'my-llm-server' }))).toEqual([]);
    expect(nonModelMatches(matcher({ cmdline: '.*', exe: '/opt/llm/bin/serve' }))).toEqual([]);
  });
});

describe('notModelLike', () => {
  const any = matcher({ cmdline: '.*' });
  it('a shell or system program is never taken for a model server, even with a port', () => {
    expect(notModelLike({ exe: '/usr/bin/bash', ports: [8080] }, any)).toBe(
      'it runs bash, a shell or system program',
    );
    expect(notModelLike({ exe: '/usr/sbin/sshd', ports: [22] }, any)).toMatch(/sshd, a shell or system/);
  });

  it('no model port and no GPU memory: not model-like; a port or GPU memory: model-like', () => {
    expect(notModelLike({ exe: '/usr/bin/python3 -m http.server', ports: [] }, any)).toBe(
      'it listens on no port and holds no GPU memory',
    );
    expect(
      notModelLike({ exe: '/usr/bin/python3', ports: [8000] }, matcher({ cmdline: 'x', port: 9000 })),
    ).toBe('it does not listen on port 9000 and holds no GPU memory');
    expect(
      notModelLike({ exe: '/usr/bin/python3', ports: [9000] }, matcher({ cmdline: 'x', port: 9000 })),
    ).toBe(undefined);
    expect(notModelLike({ exe: '/opt/llm/serve', ports: [], gpuMemBytes: 2 ** 30 }, any)).toBe(undefined);
  });
});
