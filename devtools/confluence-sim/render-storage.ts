// Renders blocks to Confluence storage format: XHTML with `ac:structured-macro`, `ac:link`/`ri:page`,
// `ac:image`/`ri:attachment`, `ri:user`, task lists and inline comment markers, as the editor saves them.

import type { Block, Inline } from './body-blocks.ts';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** CDATA cannot contain `]]>`; split it across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function param(name: string, value: string): string {
  return `<ac:parameter ac:name="${name}">${escapeXml(value)}</ac:parameter>`;
}

export function renderInline(inline: Inline): string {
  switch (inline.t) {
    case 'text':
      return inline.mark
        ? `<${inline.mark}>${escapeXml(inline.text)}</${inline.mark}>`
        : escapeXml(inline.text);
    case 'pageLink':
      return (
        `<ac:link><ri:page ri:space-key="${escapeXml(inline.spaceKey)}" ri:content-title="${escapeXml(inline.title)}" />` +
        `<ac:plain-text-link-body>${cdata(inline.text)}</ac:plain-text-link-body></ac:link>`
      );
    case 'urlLink':
      return `<a href="${escapeXml(inline.href)}">${escapeXml(inline.text)}</a>`;
    case 'attachmentLink':
      return `<ac:link><ri:attachment ri:filename="${escapeXml(inline.filename)}" /></ac:link>`;
    case 'mention':
      return `<ac:link><ri:user ri:account-id="${escapeXml(inline.accountId)}" /></ac:link>`;
    case 'status':
      return `<ac:structured-macro ac:name="status" ac:schema-version="1">${param('colour', inline.colour)}${param('title', inline.title)}</ac:structured-macro>`;
    case 'marker':
      return `<ac:inline-comment-marker ac:ref="${escapeXml(inline.ref)}">${escapeXml(inline.text)}</ac:inline-comment-marker>`;
  }
}

function inlines(list: Inline[]): string {
  return list.map(renderInline).join('');
}

export function renderBlock(block: Block): string {
  switch (block.t) {
    case 'toc':
      return `<ac:structured-macro ac:name="toc" ac:schema-version="1">${param('maxLevel', '3')}</ac:structured-macro>`;
    case 'heading':
      return `<h${block.level}>${inlines(block.inlines)}</h${block.level}>`;
    case 'paragraph':
      return `<p>${inlines(block.inlines)}</p>`;
    case 'code':
      return (
        `<ac:structured-macro ac:name="code" ac:schema-version="1">${param('language', block.language)}` +
        `<ac:plain-text-body>${cdata(block.text)}</ac:plain-text-body></ac:structured-macro>`
      );
    case 'panel':
      return (
        `<ac:structured-macro ac:name="${block.panel}" ac:schema-version="1">` +
        `${block.title ? param('title', block.title) : ''}<ac:rich-text-body>${renderStorage(block.blocks)}</ac:rich-text-body></ac:structured-macro>`
      );
    case 'expand':
      return (
        `<ac:structured-macro ac:name="expand" ac:schema-version="1">${param('title', block.title)}` +
        `<ac:rich-text-body>${renderStorage(block.blocks)}</ac:rich-text-body></ac:structured-macro>`
      );
    case 'table': {
      const rows = block.rows.map((row, r) => {
        const tag = r === 0 ? 'th' : 'td';
        return `<tr>${row.map((cell) => `<${tag}><p>${inlines(cell)}</p></${tag}>`).join('')}</tr>`;
      });
      return `<table data-layout="default"><tbody>${rows.join('')}</tbody></table>`;
    }
    case 'tasks':
      return `<ac:task-list>${block.items
        .map(
          (task) =>
            `<ac:task><ac:task-id>${task.id}</ac:task-id><ac:task-uuid>${task.uuid}</ac:task-uuid>` +
            `<ac:task-status>${task.done ? 'complete' : 'incomplete'}</ac:task-status>` +
            `<ac:task-body>${inlines(task.inlines)}</ac:task-body></ac:task>`,
        )
        .join('')}</ac:task-list>`;
    case 'bullets':
      return `<ul>${block.items.map((item) => `<li><p>${inlines(item)}</p></li>`).join('')}</ul>`;
    case 'image':
      return `<ac:image ac:align="center" ac:layout="center" ac:width="${block.width}"><ri:attachment ri:filename="${escapeXml(block.filename)}" /></ac:image>`;
    case 'file':
      return `<ac:structured-macro ac:name="view-file" ac:schema-version="1"><ac:parameter ac:name="name"><ri:attachment ri:filename="${escapeXml(block.filename)}" /></ac:parameter></ac:structured-macro>`;
  }
}

export function renderStorage(blocks: Block[]): string {
  return blocks.map(renderBlock).join('');
}
