// Renders blocks to the Atlassian Document Format (the JSON the new editor stores), the counterpart of
// render-storage.ts: links become URLs, images become media nodes, inline comments become annotation marks.

import type { Block, Inline, RenderContext } from './body-blocks.ts';

export type AdfNode = { type: string; attrs?: Record<string, unknown>; content?: AdfNode[] } & Record<
  string,
  unknown
>;

function text(value: string, marks: AdfNode[] = []): AdfNode {
  return marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value };
}

function inlineNode(inline: Inline, ctx: RenderContext): AdfNode {
  switch (inline.t) {
    case 'text':
      return text(inline.text, inline.mark ? [{ type: inline.mark === 'em' ? 'em' : inline.mark }] : []);
    case 'pageLink':
      return text(inline.text, [{ type: 'link', attrs: { href: inline.href } }]);
    case 'urlLink':
      return { type: 'inlineCard', attrs: { url: inline.href } };
    case 'attachmentLink':
      return {
        type: 'mediaInline',
        attrs: {
          type: 'file',
          id: inline.fileId,
          collection: `contentId-${ctx.contentId}`,
          alt: inline.filename,
        },
      };
    case 'mention':
      return { type: 'mention', attrs: { id: inline.accountId } };
    case 'status':
      return {
        type: 'status',
        attrs: { text: inline.title, color: inline.colour.toLowerCase(), localId: `status-${inline.title}` },
      };
    case 'marker':
      return text(inline.text, [
        { type: 'annotation', attrs: { id: inline.ref, annotationType: 'inlineComment' } },
      ]);
  }
}

function paragraph(inlines: Inline[], ctx: RenderContext): AdfNode {
  return { type: 'paragraph', content: inlines.map((i) => inlineNode(i, ctx)) };
}

function media(filename: string, fileId: string, ctx: RenderContext, width?: number): AdfNode {
  return {
    type: 'mediaSingle',
    attrs: width === undefined ? { layout: 'center' } : { layout: 'center', width, widthType: 'pixel' },
    content: [
      {
        type: 'media',
        attrs: { type: 'file', id: fileId, collection: `contentId-${ctx.contentId}`, alt: filename },
      },
    ],
  };
}

function blockNode(block: Block, ctx: RenderContext): AdfNode {
  switch (block.t) {
    case 'toc':
      return {
        type: 'extension',
        attrs: {
          extensionType: 'com.atlassian.confluence.macro.core',
          extensionKey: 'toc',
          parameters: { macroParams: { maxLevel: { value: '3' } } },
        },
      };
    case 'heading':
      return {
        type: 'heading',
        attrs: { level: block.level },
        content: block.inlines.map((i) => inlineNode(i, ctx)),
      };
    case 'paragraph':
      return paragraph(block.inlines, ctx);
    case 'code':
      return { type: 'codeBlock', attrs: { language: block.language }, content: [text(block.text)] };
    case 'panel':
      return {
        type: 'panel',
        attrs: { panelType: block.panel === 'tip' ? 'success' : block.panel },
        content: block.blocks.map((b) => blockNode(b, ctx)),
      };
    case 'expand':
      return {
        type: 'expand',
        attrs: { title: block.title },
        content: block.blocks.map((b) => blockNode(b, ctx)),
      };
    case 'table':
      return {
        type: 'table',
        content: block.rows.map((row, r) => ({
          type: 'tableRow',
          content: row.map((cell) => ({
            type: r === 0 ? 'tableHeader' : 'tableCell',
            content: [paragraph(cell, ctx)],
          })),
        })),
      };
    case 'tasks':
      return {
        type: 'taskList',
        attrs: { localId: block.items[0]?.uuid ?? 'tasks' },
        content: block.items.map((task) => ({
          type: 'taskItem',
          attrs: { localId: task.uuid, state: task.done ? 'DONE' : 'TODO' },
          content: task.inlines.map((i) => inlineNode(i, ctx)),
        })),
      };
    case 'bullets':
      return {
        type: 'bulletList',
        content: block.items.map((item) => ({ type: 'listItem', content: [paragraph(item, ctx)] })),
      };
    case 'image':
      return media(block.filename, block.fileId, ctx, block.width);
    case 'file':
      return media(block.filename, block.fileId, ctx);
  }
}

export function renderAdf(blocks: Block[], ctx: RenderContext): AdfNode {
  return { type: 'doc', version: 1, content: blocks.map((b) => blockNode(b, ctx)) };
}
