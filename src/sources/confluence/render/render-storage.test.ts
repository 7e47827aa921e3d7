import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testRenderContext } from './render-context.test-helper.ts';
import { renderStorage } from './render-storage.ts';

const render = (xhtml: string) => renderStorage(xhtml, testRenderContext()).html;

describe('renderStorage: plain HTML', () => {
  it('keeps allowed elements and escapes text', () => {
    assert.equal(
      render('<p>a &lt;b&gt; &amp; <strong>bold</strong><br/>x&nbsp;y</p>'),
      '<p>a &lt;b&gt; &amp; <strong>bold</strong><br>x\u00a0y</p>',
    );
  });

  it('unwraps unknown elements and drops script, style and their content', () => {
    assert.equal(render('<p><blink>hi</blink><script>alert(1)</script><style>p{}</style></p>'), '<p>hi</p>');
  });

  it('keeps only allowed attributes; harmless styles become a class of the style sheet, never inline', () => {
    const rules: string[] = [];
    const styleClass = (declarations: string) => {
      rules.push(declarations);
      return `st-${rules.length}`;
    };
    const xhtml = '<p onclick="x()" class="c" style="color: red; background: url(http://e.test/x.png)">t</p>';
    assert.equal(renderStorage(xhtml, { ...testRenderContext(), styleClass }).html, '<p class="st-1">t</p>');
    assert.deepEqual(rules, ['color: red']);
    // with no style sheet to carry them, styles are dropped
    assert.equal(render(xhtml), '<p>t</p>');
    assert.equal(
      render('<table><tbody><tr><td colspan="2" rowspan="x" onmouseover="y">c</td></tr></tbody></table>'),
      '<div class="table-wrap"><table><tbody><tr><td colspan="2">c</td></tr></tbody></table></div>',
    );
  });

  it('keeps the direction of right-to-left text; other values of dir are dropped', () => {
    assert.equal(
      render('<p dir="rtl">שלום עולם</p><div dir="RTL"><h2 dir="auto">x</h2></div><p dir="ltr">a</p>'),
      '<p dir="rtl">שלום עולם</p><div dir="rtl"><h2 id="h-1" dir="auto">x</h2></div><p dir="ltr">a</p>',
    );
    assert.equal(
      render(
        '<table><tbody><tr><td dir="rtl">א</td></tr></tbody></table><p dir="up">b</p><bdo dir="rtl">c</bdo>',
      ),
      '<div class="table-wrap"><table><tbody><tr><td dir="rtl">א</td></tr></tbody></table></div><p>b</p><bdo dir="rtl">c</bdo>',
    );
  });

  it('writes a date lozenge as its date', () => {
    assert.equal(render('<p><time datetime="2024-05-01" /></p>'), '<p>2024-05-01</p>');
  });

  it('collects plain text for search', () => {
    const out = renderStorage('<h1>Title</h1><p>one <em>two</em></p>', testRenderContext());
    assert.equal(out.text, 'Title one two');
  });
});

describe('renderStorage: macros', () => {
  it('code: language, title, CDATA kept verbatim and escaped', () => {
    const html = render(
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">ts</ac:parameter>' +
        '<ac:parameter ac:name="title">Example</ac:parameter><ac:parameter ac:name="linenumbers">true</ac:parameter>' +
        '<ac:plain-text-body><![CDATA[if (a < b && c) { "</script>" }]]></ac:plain-text-body></ac:structured-macro>',
    );
    assert.equal(
      html,
      '<figure class="code-block code-numbered"><figcaption>Example</figcaption><div class="code-lines">' +
        '<pre class="line-numbers" aria-hidden="true">1</pre><pre><code data-language="ts">' +
        'if (a &lt; b &amp;&amp; c) { "&lt;/script&gt;" }</code></pre></div></figure>',
    );
  });

  it('code: line numbers beside the code, from firstline, one per line; none unless asked', () => {
    const block = (params: string, body: string) =>
      render(
        `<ac:structured-macro ac:name="code">${params}<ac:plain-text-body><![CDATA[${body}]]></ac:plain-text-body></ac:structured-macro>`,
      );
    const numbered = (from: string) =>
      `<ac:parameter ac:name="linenumbers">true</ac:parameter><ac:parameter ac:name="firstline">${from}</ac:parameter>`;
    assert.equal(
      block(numbered('41'), 'a\nb\r\nc\n'),
      '<figure class="code-block code-numbered"><div class="code-lines">' +
        '<pre class="line-numbers" aria-hidden="true">41\n42\n43</pre><pre><code>a\nb\r\nc\n</code></pre></div></figure>',
    );
    assert.match(block(numbered('x'), 'a\nb'), /<pre class="line-numbers" aria-hidden="true">1\n2<\/pre>/);
    assert.equal(
      block('<ac:parameter ac:name="linenumbers">false</ac:parameter>', 'a\nb'),
      render(
        '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a\nb]]></ac:plain-text-body></ac:structured-macro>',
      ),
    );
    assert.doesNotMatch(block('', 'a\nb'), /line-numbers/);
    const out = renderStorage(
      `<ac:structured-macro ac:name="code">${numbered('1')}<ac:plain-text-body>x</ac:plain-text-body></ac:structured-macro>`,
      testRenderContext(),
    );
    assert.equal(out.text, 'x');
  });

  it('code: an unsafe language name is dropped', () => {
    const html = render(
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">" onload="x</ac:parameter><ac:plain-text-body>x</ac:plain-text-body></ac:structured-macro>',
    );
    assert.equal(html, '<figure class="code-block"><pre><code>x</code></pre></figure>');
  });

  for (const kind of ['info', 'note', 'warning', 'tip']) {
    it(`${kind} panel with title and rich body`, () => {
      const html = render(
        `<ac:structured-macro ac:name="${kind}"><ac:parameter ac:name="title">Heads up</ac:parameter><ac:rich-text-body><p>Body</p></ac:rich-text-body></ac:structured-macro>`,
      );
      assert.match(
        html,
        new RegExp(`^<div class="panel panel-${kind}" role="note"><div class="panel-title">`),
      );
      assert.match(html, /Heads up<\/div><div class="panel-body"><p>Body<\/p><\/div><\/div>$/);
    });
  }

  it('panel macro', () => {
    assert.equal(
      render(
        '<ac:structured-macro ac:name="panel"><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro>',
      ),
      '<div class="panel panel-panel" role="note"><div class="panel-body"><p>x</p></div></div>',
    );
  });

  it('expand becomes details/summary', () => {
    assert.equal(
      render(
        '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">More</ac:parameter><ac:rich-text-body><p>hidden</p></ac:rich-text-body></ac:structured-macro>',
      ),
      '<details class="expand"><summary>More</summary><div class="expand-body"><p>hidden</p></div></details>',
    );
  });

  it('toc lists the headings, which get ids, within maxLevel', () => {
    const html = render(
      '<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>' +
        '<h1>One</h1><h2>Two &amp; a half</h2><h3>Three</h3>',
    );
    assert.equal(
      html,
      '<nav class="toc" aria-label="Contents"><ul><li class="toc-level-1"><a href="#h-1">One</a></li>' +
        '<li class="toc-level-2"><a href="#h-2">Two &amp; a half</a></li></ul></nav>' +
        '<h1 id="h-1">One</h1><h2 id="h-2">Two &amp; a half</h2><h3 id="h-3">Three</h3>',
    );
  });

  it('status lozenge with a known colour, an unknown colour falls back to grey', () => {
    const status = (colour: string) =>
      render(
        `<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">${colour}</ac:parameter><ac:parameter ac:name="title">DONE</ac:parameter></ac:structured-macro>`,
      );
    assert.equal(status('Green'), '<span class="status status-green">DONE</span>');
    assert.equal(status('x" onclick="y'), '<span class="status status-grey">DONE</span>');
  });

  it('anchor macro and a link to it', () => {
    assert.equal(
      render(
        '<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">top é</ac:parameter></ac:structured-macro>' +
          '<ac:link ac:anchor="top é"><ac:plain-text-link-body><![CDATA[up]]></ac:plain-text-link-body></ac:link>',
      ),
      '<span class="anchor" id="a-top_20_e9"></span><a href="#a-top_20_e9">up</a>',
    );
  });

  it('task list: disabled checkboxes, checked when complete', () => {
    const html = render(
      '<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Done <strong>it</strong></ac:task-body></ac:task>' +
        '<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Todo</ac:task-body></ac:task></ac:task-list>',
    );
    assert.equal(
      html,
      '<ul class="task-list"><li class="task task-done"><input type="checkbox" disabled checked> <span>Done <strong>it</strong></span></li>' +
        '<li class="task"><input type="checkbox" disabled> <span>Todo</span></li></ul>',
    );
  });

  it('view-file links to the exported attachment', () => {
    assert.equal(
      render(
        '<ac:structured-macro ac:name="view-file"><ac:parameter ac:name="name"><ri:attachment ri:filename="notes.txt" /></ac:parameter></ac:structured-macro>',
      ),
      '<span class="file-view">📎 <a href="../../ENG/attachments/100/att1001.txt" class="attachment-link">notes.txt</a></span>',
    );
  });

  it('attachments and children macros list what the context knows', () => {
    assert.match(render('<ac:structured-macro ac:name="attachments" />'), /diagram\.png.*notes\.txt/);
    assert.equal(
      render('<ac:structured-macro ac:name="children" />'),
      '<ul class="macro-list macro-children"><li><a href="../../ENG/pages/101.html">Runbook</a></li></ul>',
    );
  });

  it('jira: an issue links to it on the site, a query to its issue search', () => {
    const issue = (key: string) =>
      `<p>See <ac:structured-macro ac:name="jira"><ac:parameter ac:name="server">System JIRA</ac:parameter>` +
      `<ac:parameter ac:name="key">${key}</ac:parameter></ac:structured-macro> now</p>`;
    assert.equal(
      render(issue('OPS-1234')),
      '<p>See <span class="jira-issue"><a href="https://acme.atlassian.net/browse/OPS-1234" class="external" rel="noopener noreferrer">OPS-1234</a></span> now</p>',
    );
    assert.equal(
      renderStorage(issue('ops-7'), testRenderContext(undefined, '')).html,
      '<p>See <span class="jira-issue">ops-7</span> now</p>',
    );
    assert.equal(
      render(
        '<ac:structured-macro ac:name="jira"><ac:parameter ac:name="jqlQuery">project = OPS AND status = "Open"</ac:parameter></ac:structured-macro>',
      ),
      '<span class="jira-issues">Jira issues: <a href="https://acme.atlassian.net/issues/?jql=project%20%3D%20OPS%20AND%20status%20%3D%20%22Open%22" class="external" rel="noopener noreferrer">project = OPS AND status = "Open"</a></span>',
    );
    assert.match(render(issue('x" onclick="y')), /^<p>See <\/p><div class="macro macro-unknown">/);
  });

  it('block macros, lists and tables are never left inside a paragraph; the text around them stays in paragraphs', () => {
    const code =
      '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:structured-macro>';
    const panel =
      '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>';
    assert.equal(
      render(`<p dir="rtl">before ${code} after<ul><li>i</li></ul> ${panel}</p>`),
      '<p dir="rtl">before </p><figure class="code-block"><pre><code>x</code></pre></figure><p dir="rtl"> after</p>' +
        '<ul><li>i</li></ul><div class="panel panel-info" role="note"><div class="panel-title"><span class="panel-kind">Info</span></div>' +
        '<div class="panel-body"><p>careful</p></div></div>',
    );
    assert.equal(
      render(`<p>a <strong>b ${code}</strong></p>`),
      '<div class="paragraph">a <strong>b <figure class="code-block"><pre><code>x</code></pre></figure></strong></div>',
    );
    assert.equal(render('<p />'), '<p></p>');
    assert.equal(
      render(
        '<p>x <ac:structured-macro ac:name="status"><ac:parameter ac:name="title">ok</ac:parameter></ac:structured-macro></p>',
      ),
      '<p>x <span class="status status-grey">ok</span></p>',
    );
  });

  it('an unknown macro is a labelled box with its parameters and bodies', () => {
    const html = render(
      '<ac:structured-macro ac:name="roadmap"><ac:parameter ac:name="key">OPS-1</ac:parameter>' +
        '<ac:parameter ac:name="page"><ri:page ri:content-title="Runbook" /></ac:parameter>' +
        '<ac:rich-text-body><p>inside</p></ac:rich-text-body></ac:structured-macro>',
    );
    assert.equal(
      html,
      '<div class="macro macro-unknown"><div class="macro-label">Macro <code>roadmap</code></div>' +
        '<dl class="macro-parameters"><dt>key</dt><dd>OPS-1</dd><dt>page</dt><dd><a href="../../ENG/pages/101.html">Runbook</a></dd></dl>' +
        '<div class="macro-body"><p>inside</p></div></div>',
    );
  });

  it('the html macro is shown as text, never as markup', () => {
    const html = render(
      '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<img src=x onerror=alert(1)>]]></ac:plain-text-body></ac:structured-macro>',
    );
    assert.match(html, /<pre class="macro-body">&lt;img src=x onerror=alert\(1\)&gt;<\/pre>/);
  });

  it('emoticons by name and by fallback', () => {
    assert.equal(
      render(
        '<p><ac:emoticon ac:name="tick" /><ac:emoticon ac:name="blue-star" ac:emoji-fallback="x" /><ac:emoticon ac:name="custom" ac:emoji-fallback="🦊" /></p>',
      ),
      '<p>✅⭐🦊</p>',
    );
  });

  it('layouts become divs; placeholders disappear', () => {
    assert.equal(
      render(
        '<ac:layout><ac:layout-section ac:type="two_equal"><ac:layout-cell><p>a<ac:placeholder>type here</ac:placeholder></p></ac:layout-cell></ac:layout-section></ac:layout>',
      ),
      '<div class="layout"><div class="layout-section"><div class="layout-cell"><p>a</p></div></div></div>',
    );
  });
});
