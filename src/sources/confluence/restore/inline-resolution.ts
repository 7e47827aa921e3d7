// Sets the resolution state of an inline comment a restore just created (v2 `PUT /inline-comments/{id}` with
// `resolved`). A comment the restore just created is at version 1 with a known body, so no read is needed:
// "resolved" is one update, "reopened" a resolve and an un-resolve (Confluence calls a comment resolved before
// and opened again so). A resumed restore reads the comment first and does what is left.

import { StepvaultError } from '../../../common/errors.ts';
import type { ConfluenceClient } from '../client/client.ts';
import type { BodyWrite, WriteOptions } from '../client/client-types.ts';

export type ResolutionState = 'open' | 'resolved' | 'reopened';

export class InlineResolutionWriter {
  readonly #client: Pick<ConfluenceClient, 'getInlineComment' | 'updateInlineComment'>;

  constructor(client: Pick<ConfluenceClient, 'getInlineComment' | 'updateInlineComment'>) {
    this.#client = client;
  }

  /**
   * Brings an inline comment to `state`. `known` is what the caller knows of it (a comment it just created:
   * version 1, open, with the body it wrote); without it the comment is read first. Returns its version.
   */
  async ensure(
    commentId: string,
    state: ResolutionState,
    known?: { body: BodyWrite; version: number; status: string },
    options: WriteOptions = {},
  ): Promise<number> {
    let current = known;
    if (!current) {
      const read = await this.#client.getInlineComment(commentId, options);
      current = {
        body: { representation: 'storage', value: read.body?.storage?.value ?? '' },
        version: read.version?.number ?? 1,
        status: read.resolutionStatus ?? 'open',
      };
    }
    let steps: boolean[] = [];
    if (state === 'resolved' && current.status !== 'resolved') steps = [true];
    if (state === 'reopened' && current.status !== 'reopened')
      steps = current.status === 'resolved' ? [false] : [true, false];
    let at = current.version;
    for (const resolved of steps) {
      const answer = await this.#client.updateInlineComment(
        commentId,
        { version: at + 1, body: current.body, resolved },
        options,
      );
      at = answer.version?.number ?? at + 1;
      const got = answer.resolutionStatus;
      if (got && got !== (resolved ? 'resolved' : 'reopened'))
        throw new StepvaultError('io', `inline comment ${commentId} is ${got} after an update to ${state}`);
    }
    return at;
  }
}
