// Failures of Confluence requests as StepvaultErrors that say what was called and what the site answered,
// never with credentials or signed URLs in them. The HTTP status rides along in `cause` (an HttpFailure), so a
// caller can tell a title clash (400) from a version conflict (409) with `httpStatusOf`.

import { type ErrorCode, StepvaultError } from '../../../common/errors.ts';

/** The `cause` of an error for an HTTP answer. */
export interface HttpFailure {
  readonly status: number;
  /** `GET /wiki/api/v2/pages/{id}`. */
  readonly endpoint: string;
  /** The site's own message, shortened. */
  readonly detail: string;
}

export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof StepvaultError)) return undefined;
  const cause = error.cause as Partial<HttpFailure> | undefined;
  return typeof cause?.status === 'number' ? cause.status : undefined;
}

/** The message of a v2 (`errors[].title/detail`) or v1 (`message`) error body, at most 300 characters. */
export function errorDetail(text: string): string {
  let detail = text;
  try {
    const body = JSON.parse(text) as {
      message?: unknown;
      errors?: { title?: unknown; detail?: unknown; message?: unknown }[];
    };
    const first = body.errors?.[0];
    const parts = first ? [first.title, first.detail ?? first.message] : [body.message];
    const found = parts.filter((p): p is string => typeof p === 'string' && p !== '');
    if (found.length > 0) detail = found.join(': ');
  } catch {
    // not JSON: keep the text
  }
  detail = detail.replace(/\s+/g, ' ').trim();
  return detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
}

function codeFor(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'config';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'io';
}

function hintFor(status: number, endpoint: string): string | undefined {
  if (status === 401) {
    return (
      'check the e-mail and API token (and that it has not expired); a classic token works on ' +
      'https://<site>.atlassian.net, scoped tokens and OAuth/service-account tokens only on ' +
      'https://api.atlassian.com/ex/confluence/<cloudId>; a read-only scope cannot write'
    );
  }
  if (status === 403)
    return 'the account lacks the permission for this operation (site or space admin rights?)';
  if (status === 429)
    return 'the site keeps refusing requests (rate limit); try again later or lower the concurrency';
  if (status === 413)
    return (
      'the site refuses content this large: a Confluence admin can raise the attachment size limit ' +
      '(Settings > Attachments); a page body beyond the site’s limit cannot be written'
    );
  if (status >= 500) return 'Confluence failed on its side; it may work again later';
  if (status === 400 && endpoint.startsWith('GET'))
    return 'the request was malformed; this is a bug in stepvault';
  return undefined;
}

export function httpError(status: number, endpoint: string, text: string): StepvaultError {
  const detail = errorDetail(text);
  const hint = hintFor(status, endpoint);
  const failure: HttpFailure = { status, endpoint, detail };
  return new StepvaultError(
    codeFor(status),
    `Confluence answered ${status} to ${endpoint}${detail === '' ? '' : `: ${detail}`}`,
    { ...(hint ? { hint } : {}), retryable: status === 429 || status >= 500, cause: failure },
  );
}
