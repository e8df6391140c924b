/**
 * Upstreams as the user names them (config file, command line): what is accepted, what is refused and why, and
 * that an API key never appears in the config or in a message.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, resolveConfig } from '../../../localhost-engine/config';
import { resolveUpstreams } from '../../../localhost-engine/upstream/upstream-config';

const home = mkdtempSync(path.join(os.tmpdir(), 'ls-upstream-config-'));
const env = { LOCALSCRIBE_HOME: home, TEAM_KEY: 'sk-secret-4711' };

function configFile(value: unknown): string {
  const file = path.join(home, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('upstreams in the config', () => {
  it('has none unless the user names one', () => {
    expect(resolveConfig({}, env).upstreams).toEqual([]);
  });

  it('reads the config file and the command line, the command line replacing the same id', () => {
    const file = configFile({
      upstreams: [
        {
          id: 'team',
          url: 'https://llm.example.com/v1',
          model: 'phi-3-mini',
          apiKeyEnv: 'TEAM_KEY',
          contextLength: 4096,
        },
        { id: 'upstream', url: 'http://localhost:11434/v1', model: 'old' },
      ],
    });
    const config = resolveConfig(
      {
        config: file,
        upstream: 'http://127.0.0.1:1234',
        upstreamModel: 'phi-3.5-mini',
        upstreamContext: '8192',
      },
      env,
    );
    expect(config.upstreams).toEqual([
      {
        id: 'team',
        baseUrl: 'https://llm.example.com/v1',
        model: 'phi-3-mini',
        contextLength: 4096,
        apiKeyEnv: 'TEAM_KEY',
        ca: null,
        allowHttp: false,
      },
      {
        id: 'upstream',
        baseUrl: 'http://127.0.0.1:1234/v1',
        model: 'phi-3.5-mini',
        contextLength: 8192,
        apiKeyEnv: null,
        ca: null,
        allowHttp: false,
      },
    ]);
    expect(JSON.stringify(config)).not.toContain('sk-secret-4711');
  });

  it('needs https for a host that is not this computer, unless plain http is allowed explicitly', () => {
    const flags = { upstream: 'http://gpu-box.lan:8000/v1', upstreamModel: 'phi' };
    expect(() => resolveUpstreams(flags, undefined, env)).toThrow(
      /gpu-box\.lan:8000 is not on this computer, so text would cross the network unencrypted; use https:\/\/, or allow plain http explicitly with --upstream-allow-http/,
    );
    expect(resolveUpstreams({ ...flags, upstreamAllowHttp: true }, undefined, env)[0].baseUrl).toBe(
      'http://gpu-box.lan:8000/v1',
    );
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
      expect(
        resolveUpstreams({ upstream: `http://${host}:8080`, upstreamModel: 'm' }, undefined, env),
      ).toHaveLength(1);
    }
  });

  it.each([
    [{ upstream: 'not a url', upstreamModel: 'm' }, /"not a url" is not a URL/],
    [{ upstream: 'ftp://x/v1', upstreamModel: 'm' }, /must start with https:\/\/ or http:\/\//],
    [
      { upstream: 'https://user:pw@x/v1', upstreamModel: 'm' },
      /must not hold credentials; put the API key in an environment variable/,
    ],
    [{ upstream: 'https://x/v1?key=1', upstreamModel: 'm' }, /must not have a query/],
    [{ upstream: 'https://x/v1' }, /name the model the server should run/],
    [
      { upstream: 'https://x/v1', upstreamModel: 'm', upstreamContext: '100' },
      /context size "100" is not a whole number of tokens from 256/,
    ],
    [
      { upstream: 'https://x/v1', upstreamModel: 'm', upstreamKeyEnv: 'sk-abc123' },
      /names an environment variable .*, not the key itself/,
    ],
    [
      { upstream: 'https://x/v1', upstreamModel: 'm', upstreamKeyEnv: 'MISSING_KEY' },
      /environment variable MISSING_KEY \(the API key\) is not set/,
    ],
    [
      { upstream: 'https://x/v1', upstreamModel: 'm', upstreamCa: '/no/such/ca.pem' },
      /CA file \/no\/such\/ca\.pem cannot be read/,
    ],
    [{ upstreamModel: 'm' }, /--upstream-model needs --upstream URL/],
  ])('refuses %j', (flags, message) => {
    expect(() => resolveUpstreams(flags, undefined, env)).toThrow(ConfigError);
    expect(() => resolveUpstreams(flags, undefined, env)).toThrow(message);
  });

  it('refuses a key that would be echoed as part of a message, without echoing it', () => {
    const withSpace = { ...env, BAD_KEY: 'sk-secret 4711' };
    const error = (() => {
      try {
        resolveUpstreams(
          { upstream: 'https://x/v1', upstreamModel: 'm', upstreamKeyEnv: 'BAD_KEY' },
          undefined,
          withSpace,
        );
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/BAD_KEY holds spaces or control characters/);
    expect(error?.message).not.toContain('sk-secret');
  });

  it.each([
    [{ upstreams: {} }, /must be an array/],
    [
      { upstreams: [{ id: 'local', url: 'https://x/v1', model: 'm' }] },
      /"id" must be lower-case .* and not "local"/,
    ],
    [{ upstreams: [{ id: 'Team', url: 'https://x/v1', model: 'm' }] }, /"id" must be lower-case/],
    [
      { upstreams: [{ id: 't', url: 'https://x/v1', model: 'm', apiKey: 'sk-1' }] },
      /unknown setting "apiKey"/,
    ],
    [{ upstreams: [{ id: 't', model: 'm' }] }, /"url" is missing/],
    [
      {
        upstreams: [
          { id: 't', url: 'https://x/v1', model: 'm' },
          { id: 't', url: 'https://y/v1', model: 'm' },
        ],
      },
      /Two upstreams .* "t"/,
    ],
  ])('refuses the config file %j', (file, message) => {
    expect(() => resolveConfig({ config: configFile(file) }, env)).toThrow(message);
  });

  it.each(['upstreams.md', 'team-server.md'])('accepts the config the guide docs/%s shows', (doc) => {
    const markdown = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', doc), 'utf8');
    const blocks = [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
    const shown = blocks.find((b) => Array.isArray(b.upstreams));
    expect(shown).toBeDefined();
    // The CA file is the user's own: a readable one stands in for it.
    const ca = path.join(home, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const upstreams = shown.upstreams.map((u: Record<string, unknown>) =>
      u.caFile ? { ...u, caFile: ca } : u,
    );
    const config = resolveConfig(
      { config: configFile({ upstreams }) },
      { ...env, LOCALSCRIBE_TEAM_KEY: 'k' },
    );
    expect(config.upstreams!.map((u) => u.id)).toEqual(upstreams.map((u: { id: string }) => u.id));
  });
});
