import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretResolver } from '../../config/secrets/secret-resolver.ts';
import type { ConfluenceSourceConfig } from '../../config/sources-schema.ts';
import { confluenceClientOptions } from './confluence-connection.ts';

describe('confluenceClientOptions', () => {
  const config = {
    type: 'confluence',
    site: 'https://acme.atlassian.net',
    auth: { bearer: { env: 'SV_TEST_CONFLUENCE_BEARER' } },
    spaces: 'all',
    includeArchived: false,
    history: 'latest',
    attachments: { versions: 'latest' },
    metadataSweep: '24h',
    adminKey: false,
    mediaHosts: ['media.example.com'],
  } as unknown as ConfluenceSourceConfig;

  it('configured media hosts come in addition to Confluence’s own', async () => {
    process.env.SV_TEST_CONFLUENCE_BEARER = 'a bearer token';
    try {
      const options = await confluenceClientOptions(config, new SecretResolver({ baseDir: '/' }));
      assert.deepEqual([...(options.mediaHosts ?? [])].sort(), [
        'api.media.atlassian.com',
        'media.example.com',
      ]);
    } finally {
      delete process.env.SV_TEST_CONFLUENCE_BEARER;
    }
  });
});
