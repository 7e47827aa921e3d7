// An API call's address, kept with its template: `/api/v2/pages/{id}` with `{ id: '123' }` gives the path
// `/api/v2/pages/123` (relative to `/wiki`) and the stats key `GET /wiki/api/v2/pages/{id}`. Path parameters are
// percent-encoded, so an id can never change which endpoint is called.

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface Endpoint {
  /** Relative to `/wiki`, with `{name}` placeholders. */
  readonly template: string;
  /** Relative to `/wiki`, placeholders filled in. */
  readonly path: string;
  /** Query string without `?` ('' when none); list values repeat the parameter. */
  readonly query: string;
}

export function endpoint(
  template: string,
  params: Record<string, string | number> = {},
  query: Record<string, QueryValue> = {},
): Endpoint {
  const path = template.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`endpoint ${template}: no value for {${name}}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'object') for (const item of value) search.append(name, item);
    else search.append(name, String(value));
  }
  return { template, path, query: search.toString() };
}

/** `GET /wiki/api/v2/pages/{id}`: how requests are counted. */
export function statsKey(method: string, target: Endpoint): string {
  return `${method} /wiki${target.template}`;
}
