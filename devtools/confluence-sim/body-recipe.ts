// A generated body, stored as a small recipe instead of text: the seed of its prose plus the references it must
// contain (page links by title and by id, images and files of the page, mentions, inline comment markers).
// Rendering is a pure function of the recipe, so a version's body is identical every time it is read and a
// 10,000-page site with history costs little memory.

import type { Block, Inline } from './body-blocks.ts';
import { Prng } from './prng.ts';
import { codeSnippet, sentence, words } from './text-corpus.ts';

export interface BodyRecipe {
  seed: number;
  /** Number of top-level sections; drives the body size. */
  sections: number;
  contentId: string;
  /** Links by title (`ac:link`/`ri:page`), with the URL the ADF form uses. */
  links: { spaceKey: string; title: string; href: string }[];
  /** Links whose URL carries the target page id. */
  urlLinks: { href: string; text: string }[];
  images: { filename: string; fileId: string }[];
  files: { filename: string; fileId: string }[];
  mentions: string[];
  markers: { ref: string; text: string }[];
}

const PANELS = ['info', 'note', 'warning', 'tip'] as const;
const COLOURS = ['Green', 'Yellow', 'Red', 'Blue', 'Grey'] as const;

function prose(rng: Prng, extra: Inline[] = []): Inline[] {
  const out: Inline[] = [{ t: 'text', text: `${sentence(rng)} ` }];
  if (rng.chance(0.3)) out.push({ t: 'text', text: words(rng, 2), mark: rng.pick(['strong', 'em', 'code']) });
  for (const inline of extra) out.push({ t: 'text', text: ' ' }, inline);
  out.push({ t: 'text', text: ` ${sentence(rng)}` });
  return out;
}

/** The blocks of a recipe; every reference in the recipe appears exactly once. */
export function recipeBlocks(recipe: BodyRecipe): Block[] {
  const rng = new Prng('body', recipe.seed);
  const inlineRefs: Inline[] = [
    ...recipe.links.map((l): Inline => ({ t: 'pageLink', ...l, text: l.title })),
    ...recipe.urlLinks.map((l): Inline => ({ t: 'urlLink', href: l.href, text: l.text })),
    ...recipe.mentions.map((accountId): Inline => ({ t: 'mention', accountId })),
    ...recipe.markers.map((m): Inline => ({ t: 'marker', ref: m.ref, text: m.text })),
    ...recipe.files.map((f): Inline => ({ t: 'attachmentLink', filename: f.filename, fileId: f.fileId })),
  ];
  const sections = Math.max(1, recipe.sections);
  const perSection = Math.ceil(inlineRefs.length / sections);
  const blocks: Block[] = [];
  if (sections >= 3) blocks.push({ t: 'toc' });
  for (let s = 0; s < sections; s++) {
    const refs = inlineRefs.slice(s * perSection, (s + 1) * perSection);
    blocks.push({
      t: 'heading',
      level: rng.pick([1, 2, 3] as const),
      inlines: [{ t: 'text', text: words(rng, 3) }],
    });
    blocks.push({ t: 'paragraph', inlines: prose(rng, refs) });
    blocks.push(sectionExtra(rng, s));
  }
  recipe.images.forEach((img, i) => {
    blocks.splice(Math.min(blocks.length, 2 + i * 3), 0, {
      t: 'image',
      filename: img.filename,
      fileId: img.fileId,
      width: 200 + (i % 4) * 100,
    });
  });
  recipe.files.forEach((file) => {
    blocks.push({ t: 'file', filename: file.filename, fileId: file.fileId });
  });
  return blocks;
}

function sectionExtra(rng: Prng, index: number): Block {
  switch ((index + rng.int(0, 6)) % 7) {
    case 0: {
      const { language, text } = codeSnippet(rng);
      return { t: 'code', language, text };
    }
    case 1:
      return {
        t: 'panel',
        panel: rng.pick(PANELS),
        ...(rng.chance(0.5) ? { title: words(rng, 2) } : {}),
        blocks: [{ t: 'paragraph', inlines: prose(rng) }],
      };
    case 2:
      return { t: 'expand', title: words(rng, 3), blocks: [{ t: 'paragraph', inlines: prose(rng) }] };
    case 3: {
      const cols = rng.int(2, 4);
      const rows: Inline[][][] = [];
      for (let r = 0; r < rng.int(2, 6); r++) {
        const row: Inline[][] = [];
        for (let c = 0; c < cols; c++) row.push([{ t: 'text', text: words(rng, r === 0 ? 1 : 3) }]);
        rows.push(row);
      }
      return { t: 'table', rows };
    }
    case 4: {
      const items = [];
      for (let i = 0; i < rng.int(1, 5); i++) {
        items.push({
          id: index * 10 + i + 1,
          uuid: `${rng.uint32().toString(16)}-${rng.uint32().toString(16)}`,
          done: rng.chance(0.4),
          inlines: [{ t: 'text', text: words(rng, 4) } as Inline],
        });
      }
      return { t: 'tasks', items };
    }
    case 5:
      return {
        t: 'paragraph',
        inlines: [
          { t: 'text', text: 'Status: ' },
          { t: 'status', title: words(rng, 1).toUpperCase(), colour: rng.pick(COLOURS) },
        ],
      };
    default: {
      const items: Inline[][] = [];
      for (let i = 0; i < rng.int(2, 6); i++) items.push([{ t: 'text', text: sentence(rng) }]);
      return { t: 'bullets', items };
    }
  }
}
