// Parsing the `rel="next"` target out of a Link header, as Confluence writes it and as any server may.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nextFromLinkHeader } from './pagination.ts';

describe('nextFromLinkHeader', () => {
  it('reads the next link of a Confluence answer', () => {
    const header =
      '</wiki/api/v2/pages?cursor=eyJpZCI6MX0%3D&limit=250>; rel="next", <https://acme.atlassian.net/wiki>; rel="base"';
    assert.equal(nextFromLinkHeader(header), '/wiki/api/v2/pages?cursor=eyJpZCI6MX0%3D&limit=250');
    assert.equal(nextFromLinkHeader('<https://acme.atlassian.net/wiki>; rel="base"'), undefined);
    assert.equal(nextFromLinkHeader(null), undefined);
    assert.equal(nextFromLinkHeader('</a>; rel=next'), '/a');
    assert.equal(nextFromLinkHeader('</a>; rel="nextish"'), undefined);
  });

  it('finds the next link among others in any order, whatever characters it holds', () => {
    const target = fc.string().filter((s) => !/[<>]/.test(s));
    fc.assert(
      fc.property(target, target, fc.boolean(), (next, base, nextFirst) => {
        const parts = [`<${next}>; rel="next"`, `<${base}>; rel="base"`];
        if (!nextFirst) parts.reverse();
        assert.equal(nextFromLinkHeader(parts.join(', ')), next);
      }),
    );
  });
});
