import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_ITEMS, testRenderContext } from './render-context.test-helper.ts';
import { renderStorage } from './render-storage.ts';

const render = (xhtml: string, siteUrl?: string) =>
  renderStorage(xhtml, testRenderContext(TEST_ITEMS[0], siteUrl)).html;

describe('renderStorage: links to pages', () => {
  it('ac:link by title resolves within the export (space key defaults to the page space)', () => {
    assert.equal(
      render(
        '<ac:link><ri:page ri:content-title="Runbook" /><ac:plain-text-link-body><![CDATA[the runbook]]></ac:plain-text-link-body></ac:link>',
      ),
      '<a href="../../ENG/pages/101.html">the runbook</a>',
    );
    assert.equal(
      render('<ac:link><ri:page ri:space-key="OPS" ri:content-title="On call" /></ac:link>'),
      '<a href="../../OPS/pages/200.html">On call</a>',
    );
  });

  it('ac:link with a rich body and an anchor', () => {
    assert.equal(
      render(
        '<ac:link ac:anchor="step 2"><ri:page ri:content-title="Runbook" /><ac:link-body><em>go</em></ac:link-body></ac:link>',
      ),
      '<a href="../../ENG/pages/101.html#a-step_202"><em>go</em></a>',
    );
  });

  it('a blog post by title', () => {
    assert.equal(
      render(
        '<ac:link><ri:blog-post ri:content-title="Release notes" ri:posting-day="2024/01/02" /></ac:link>',
      ),
      '<a href="../../ENG/pages/102.html">Release notes</a>',
    );
  });

  it('a page outside the export links to the live site, marked external', () => {
    assert.equal(
      render('<ac:link><ri:page ri:space-key="HR" ri:content-title="Holidays &amp; leave" /></ac:link>'),
      '<a href="https://acme.atlassian.net/wiki/display/HR/Holidays+%26+leave" class="not-exported external" rel="noopener noreferrer">Holidays &amp; leave</a>',
    );
  });

  it('links by id: absolute on the site, relative, viewpage.action, tiny links, with fragments', () => {
    assert.equal(
      render('<a href="https://acme.atlassian.net/wiki/spaces/ENG/pages/101/Runbook#Step">x</a>'),
      '<a href="../../ENG/pages/101.html#Step">x</a>',
    );
    assert.equal(
      render('<a href="/wiki/spaces/OPS/pages/200">x</a>'),
      '<a href="../../OPS/pages/200.html">x</a>',
    );
    assert.equal(
      render('<a href="/wiki/pages/viewpage.action?pageId=101">x</a>'),
      '<a href="../../ENG/pages/101.html">x</a>',
    );
    // 101 = 0x65: base64 of the byte 0x65 is "ZQ==", trailing padding and "A"s dropped
    assert.equal(render('<a href="/wiki/x/ZQ">x</a>'), '<a href="../../ENG/pages/101.html">x</a>');
    assert.equal(render('<a href="/wiki/spaces/OPS/overview">x</a>'), '<a href="../../OPS/index.html">x</a>');
    assert.equal(
      render('<a href="/wiki/display/ENG/Runbook">x</a>'),
      '<a href="../../ENG/pages/101.html">x</a>',
    );
  });

  it('a link by id to a page that is not exported stays on the site, marked external', () => {
    assert.equal(
      render('<a href="/wiki/spaces/ENG/pages/999">x</a>'),
      '<a href="https://acme.atlassian.net/wiki/spaces/ENG/pages/999" class="external" rel="noopener noreferrer">x</a>',
    );
  });

  it('another atlassian.net host counts only when id and space key both match', () => {
    assert.equal(
      render('<a href="https://other.atlassian.net/wiki/spaces/ENG/pages/101">x</a>'),
      '<a href="../../ENG/pages/101.html">x</a>',
    );
    assert.match(
      render('<a href="https://other.atlassian.net/wiki/spaces/XYZ/pages/101">x</a>'),
      /class="external"/,
    );
  });

  it('without a known site URL, site-relative links to exported pages still resolve; others are dropped', () => {
    const ctx = { ...testRenderContext() };
    delete (ctx as { siteUrl?: string }).siteUrl;
    assert.equal(
      renderStorage('<a href="/wiki/spaces/ENG/pages/101">x</a><a href="/elsewhere">y</a>', ctx).html,
      '<a href="../../ENG/pages/101.html">x</a><span class="link link-removed">y</span>',
    );
  });

  it('external links stay as they are, marked external', () => {
    assert.equal(
      render('<a href="https://example.com/a?b=1&amp;c=2">x</a>'),
      '<a href="https://example.com/a?b=1&amp;c=2" class="external" rel="noopener noreferrer">x</a>',
    );
    assert.equal(
      render('<a href="mailto:ops@example.com">m</a>'),
      '<a href="mailto:ops@example.com" class="external" rel="noopener noreferrer">m</a>',
    );
  });
});

describe('renderStorage: attachments, images and users', () => {
  it('an image attachment of the page', () => {
    assert.equal(
      render(
        '<ac:image ac:width="250" ac:alt="A diagram"><ri:attachment ri:filename="diagram.png" /></ac:image>',
      ),
      '<span class="image"><img src="../../ENG/attachments/100/att1000.png" alt="A diagram" width="250"></span>',
    );
  });

  it('an image keeps its alignment as a class (ac:layout over ac:align; unknown values dropped)', () => {
    const img = '<img src="../../ENG/attachments/100/att1000.png" alt="diagram.png">';
    const placed = (attrs: string) =>
      render(`<ac:image ${attrs}><ri:attachment ri:filename="diagram.png" /></ac:image>`);
    assert.equal(placed('ac:align="center"'), `<span class="image image-center">${img}</span>`);
    assert.equal(
      placed('ac:align="right" ac:layout="align-end"'),
      `<span class="image image-right">${img}</span>`,
    );
    assert.equal(placed('ac:layout="wrap-left"'), `<span class="image image-wrap-left">${img}</span>`);
    assert.equal(placed('ac:align="Left"'), `<span class="image image-left">${img}</span>`);
    assert.equal(placed('ac:align="x&quot; onload=&quot;y"'), `<span class="image">${img}</span>`);
    assert.equal(
      render('<ac:image ac:align="right"><ri:url ri:value="https://cdn.example.com/x.png" /></ac:image>'),
      '<span class="image image-right"><a href="https://cdn.example.com/x.png" class="image-link external" rel="noopener noreferrer">[image: https://cdn.example.com/x.png]</a></span>',
    );
  });

  it('an image attachment of another page', () => {
    assert.equal(
      render(
        '<ac:image><ri:attachment ri:filename="rota.png"><ri:page ri:space-key="OPS" ri:content-title="On call" /></ri:attachment></ac:image>',
      ),
      '<span class="image"><img src="../../OPS/attachments/200/att2000.png" alt="rota.png"></span>',
    );
  });

  it('a missing image is a visible placeholder', () => {
    assert.equal(
      render('<ac:image><ri:attachment ri:filename="gone.png" /></ac:image>'),
      '<span class="missing" title="image not in this export">[image: gone.png]</span>',
    );
  });

  it('an image by URL is never loaded: it becomes a link', () => {
    assert.equal(
      render('<ac:image><ri:url ri:value="https://cdn.example.com/x.png" /></ac:image>'),
      '<span class="image"><a href="https://cdn.example.com/x.png" class="image-link external" rel="noopener noreferrer">[image: https://cdn.example.com/x.png]</a></span>',
    );
    assert.doesNotMatch(render('<p><img src="https://cdn.example.com/x.png"></p>'), /<img/);
  });

  it('a link to an attachment', () => {
    assert.equal(
      render(
        '<ac:link><ri:attachment ri:filename="runbook.pdf"><ri:page ri:content-title="Runbook" /></ri:attachment></ac:link>',
      ),
      '<a href="../../ENG/attachments/101/att1010.pdf" class="attachment-link">runbook.pdf</a>',
    );
  });

  it('user mentions show the display name when known, else the account id', () => {
    assert.equal(
      render(
        '<ac:link><ri:user ri:account-id="user-1" /></ac:link> <ac:link><ri:user ri:account-id="557058:abc" /></ac:link>',
      ),
      '<span class="mention">@Ada Lovelace</span> <span class="mention">@557058:abc</span>',
    );
  });
});

describe('renderStorage: hostile input', () => {
  const cases: [string, string][] = [
    ['javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['entity-encoded scheme', '<a href="&#106;avascript&#58;alert(1)">x</a>'],
    ['whitespace in scheme', '<a href="java\tscript:alert(1)">x</a>'],
    ['upper-case scheme', '<a href=" JAVASCRIPT:alert(1)">x</a>'],
    ['data: URL', '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
    ['vbscript', '<a href="vbscript:msgbox">x</a>'],
    ['ri:url javascript', '<ac:link><ri:url ri:value="javascript:alert(1)" /></ac:link>'],
    ['image by data URL', '<ac:image><ri:url ri:value="data:image/png;base64,AAAA" /></ac:image>'],
  ];
  for (const [name, input] of cases) {
    it(`drops ${name}`, () => {
      const html = render(input);
      assert.doesNotMatch(html, /href="(?!https?:|#|\.\.\/)/i, html);
      assert.doesNotMatch(html, /(href|src)="[^"]*(javascript|vbscript|data):/i, html);
      assert.doesNotMatch(html, /<img/, html);
    });
  }

  it('event handlers, scripts and style elements never survive', () => {
    const html = render(
      '<p onmouseover="x"><svg onload="x"><script>y</script></svg><iframe src="https://e.test"></iframe>' +
        '<a href="https://ok.test" onclick="z">ok</a><scr<script>ipt>alert(1)</script></p>',
    );
    assert.doesNotMatch(html, /<script|<svg|<iframe|\son\w+=/i, html);
  });

  it('broken markup is text, not markup', () => {
    assert.equal(render('<p>a < b <c d="'), '<p>a &lt; b &lt;c d="</p>');
    assert.equal(render('</p></p>x<!-- unterminated'), 'x');
  });

  it('deep nesting renders without exhausting the stack', () => {
    const deep = `${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}`;
    assert.match(render(deep), /x/);
  });

  it('a prototype-named attribute is just an attribute', () => {
    assert.equal(render('<p __proto__="x" constructor="y">t</p>'), '<p>t</p>');
  });
});
