// The client options for a configured Confluence source, with its credentials resolved from their secret
// references at the moment a restore needs them (never stored in workflow state or in restore requests).

import type { SecretResolver } from '../../config/secrets/secret-resolver.ts';
import type { ConfluenceSourceConfig } from '../../config/sources-schema.ts';
import { DEFAULT_MEDIA_HOSTS } from '../../sources/confluence/client/client.ts';
import type {
  ConfluenceAuth,
  ConfluenceClientOptions,
} from '../../sources/confluence/client/client-options.ts';

export async function confluenceClientOptions(
  config: ConfluenceSourceConfig,
  secrets: SecretResolver,
  signal?: AbortSignal,
): Promise<ConfluenceClientOptions> {
  const auth: ConfluenceAuth =
    'bearer' in config.auth
      ? { kind: 'bearer', token: (await secrets.resolve(config.auth.bearer, signal)).reveal() }
      : {
          kind: 'basic',
          email: config.auth.email,
          apiToken: (await secrets.resolve(config.auth.token, signal)).reveal(),
        };
  // The client paces requests in real time (backoff, Retry-After), whatever clock the daemon runs on.
  return {
    baseUrl: config.site,
    auth,
    adminKey: config.adminKey,
    // Configured media hosts come in addition to Confluence's own (as `--media-host` does).
    ...(config.mediaHosts ? { mediaHosts: [...DEFAULT_MEDIA_HOSTS, ...config.mediaHosts] } : {}),
  };
}
