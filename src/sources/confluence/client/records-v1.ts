// The records of the REST API v1 endpoints stepvault still needs (restrictions, users, groups, attachment
// upload, space creation, CQL search), as zod schemas, plus the plain shapes the client hands out for them.
// v1 answers are wordier than v2; the client turns them into the small records below at the edge.

import { z } from 'zod';

const optStr = z.string().nullish();

export const userV1Schema = z.looseObject({
  accountId: z.string(),
  accountType: optStr,
  displayName: optStr,
  publicName: optStr,
  email: optStr,
});
/** A user as v1 `GET /user?accountId=` returns it. */
export type User = z.infer<typeof userV1Schema>;

export const groupV1Schema = z.looseObject({ id: z.string(), name: z.string(), type: optStr });
/** A group as v1 `GET /group/by-id?id=` returns it. */
export type Group = z.infer<typeof groupV1Schema>;

const principalsPage = <T extends z.ZodType>(item: T) =>
  z.looseObject({ results: z.array(item), size: z.number().nullish(), limit: z.number().nullish() });
/** The spec's UserArray also says when it goes on (GroupArray does not). */
const usersPage = z.looseObject({
  results: z.array(userV1Schema),
  size: z.number().nullish(),
  limit: z.number().nullish(),
  totalSize: z.number().nullish(),
  _links: z.looseObject({ next: z.string().nullish() }).nullish(),
});

export const restrictionV1Schema = z.looseObject({
  operation: z.string(),
  restrictions: z
    .looseObject({
      user: usersPage.nullish(),
      group: principalsPage(groupV1Schema).nullish(),
    })
    .nullish(),
});

/** `GET /content/{id}/restriction/byOperation`: one entry per operation name. */
export const restrictionsByOperationSchema = z.record(z.string(), restrictionV1Schema);

/** Who may read or update one piece of content (empty lists: no restriction of that operation). */
export interface Restriction {
  operation: 'read' | 'update';
  /** Account ids. */
  users: string[];
  groups: { id: string; name: string }[];
}

/**
 * One operation's restriction as a response gave it, and whether its lists may go on: a list that filled its
 * page (`size` = `limit`), or one the response left unexpanded, has to be read on from `start = users.length`.
 */
export function restrictionPage(
  operation: 'read' | 'update',
  entry: z.infer<typeof restrictionV1Schema> | undefined,
): Restriction & { more: boolean } {
  const user = entry?.restrictions?.user;
  const group = entry?.restrictions?.group;
  // A list goes on when it says so (a next link, a total beyond it) or fills its page; an unexpanded one (absent)
  // is read from the start.
  const full = (
    page:
      | {
          results: unknown[];
          limit?: number | null | undefined;
          totalSize?: number | null | undefined;
          _links?: { next?: string | null | undefined } | null | undefined;
        }
      | null
      | undefined,
  ) =>
    page == null ||
    Boolean(page._links?.next) ||
    (page.totalSize != null && page.totalSize > page.results.length) ||
    (page.limit != null && page.limit > 0 && page.results.length >= page.limit);
  return {
    operation,
    users: (user?.results ?? []).map((u) => u.accountId),
    groups: (group?.results ?? []).map((g) => ({ id: g.id, name: g.name })),
    more: entry !== undefined && (full(user) || full(group)),
  };
}

const versionV1Schema = z.looseObject({ number: z.number(), message: optStr, when: optStr });

export const attachmentV1Schema = z.looseObject({
  id: z.string(),
  type: optStr,
  status: optStr,
  title: z.string(),
  version: versionV1Schema.nullish(),
  extensions: z
    .looseObject({
      mediaType: optStr,
      fileSize: z.number().nullish(),
      comment: optStr,
      fileId: optStr,
    })
    .nullish(),
});
export const attachmentUploadSchema = z.looseObject({ results: z.array(attachmentV1Schema) });

/** An attachment as an upload returns it. */
export interface UploadedAttachment {
  id: string;
  title: string;
  versionNumber: number;
  mediaType: string | undefined;
  fileSize: number | undefined;
  comment: string | undefined;
  fileId: string | undefined;
}

export const spaceV1Schema = z.looseObject({
  key: z.string(),
  name: z.string(),
});

export const contentV1Schema = z.looseObject({
  id: z.string(),
  type: z.string(),
  status: optStr,
  title: optStr,
  version: versionV1Schema.nullish(),
});
/** A search hit of v1 `/content/search` (CQL). */
export type SearchHit = z.infer<typeof contentV1Schema>;

export const searchPageSchema = z.looseObject({
  results: z.array(contentV1Schema),
  _links: z.looseObject({ next: optStr, base: optStr }).nullish(),
});
