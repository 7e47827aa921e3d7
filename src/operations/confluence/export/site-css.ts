// The export's one style sheet (`assets/site.css`): readable pages, the page tree, Confluence's panels, status
// lozenges, task lists, code blocks, tables, comments and search results. No fonts or images from anywhere.

export const SITE_CSS = `:root { color-scheme: light; --fg: #172b4d; --muted: #5e6c84; --line: #dfe1e6; --accent: #0052cc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
main { max-width: 960px; margin: 0 auto; padding: 0 1.5rem 4rem; }
a { color: var(--accent); }
a.external::after { content: " ↗"; font-size: 0.8em; }
.site-header { display: flex; gap: 1rem; align-items: center; justify-content: space-between; padding: 0.6rem 1.5rem;
  background: #f4f5f7; border-bottom: 1px solid var(--line); }
.site-name { font-weight: 600; text-decoration: none; }
.search-form input, .search-page-form input { padding: 0.35rem 0.6rem; border: 1px solid var(--line); border-radius: 4px; min-width: 16rem; }
.breadcrumbs { max-width: 960px; margin: 0.8rem auto 0; padding: 0 1.5rem; color: var(--muted); font-size: 0.9em; }
.breadcrumbs .sep { color: var(--muted); }
h1 { margin: 1rem 0 0.3rem; line-height: 1.25; }
.badges, .version, .created, .space-key, .snapshot { color: var(--muted); margin: 0.2rem 0; font-size: 0.92em; }
.badge { display: inline-block; margin-left: 0.4rem; padding: 0 0.4rem; border-radius: 3px; font-size: 0.78em;
  font-weight: 600; text-transform: uppercase; background: #dfe1e6; color: #42526e; vertical-align: middle; }
.badges .badge:first-child { margin-left: 0; }
.badge-archived { background: #fff0b3; color: #172b4d; }
.badge-trashed, .badge-partial { background: #ffebe6; color: #bf2600; }
.badge-draft { background: #eae6ff; color: #403294; }
.note { color: var(--muted); font-style: italic; }
.inclusion { border-left: 3px solid var(--line); padding-left: 0.8rem; }
.page-body { margin-top: 1.2rem; }
div.paragraph { margin: 1em 0; }
.table-wrap { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 0.35rem 0.6rem; vertical-align: top; text-align: left; }
th { background: #f4f5f7; }
td.num { text-align: right; white-space: nowrap; }
pre { background: #f4f5f7; padding: 0.8rem; overflow-x: auto; border-radius: 4px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
figure.code-block { margin: 0.8rem 0; }
figure.code-block figcaption { font-weight: 600; font-size: 0.9em; padding: 0.3rem 0.8rem; background: #ebecf0; border-radius: 4px 4px 0 0; }
figure.code-block figcaption + pre { margin-top: 0; border-radius: 0 0 4px 4px; }
.code-lines { display: flex; align-items: flex-start; }
.code-lines pre { margin: 0; }
.code-lines pre:last-child { flex: 1; min-width: 0; border-radius: 0 4px 4px 0; }
pre.line-numbers { text-align: right; color: var(--muted); background: #ebecf0; border-radius: 4px 0 0 4px; user-select: none; }
figure.code-block figcaption + .code-lines pre { border-radius: 0; }
.panel { border-radius: 4px; padding: 0.6rem 0.9rem; margin: 0.8rem 0; border: 1px solid var(--line); background: #fafbfc; }
.panel-info { background: #deebff; border-color: #b3d4ff; }
.panel-note { background: #eae6ff; border-color: #c0b6f2; }
.panel-warning { background: #ffebe6; border-color: #ffbdad; }
.panel-tip { background: #e3fcef; border-color: #abf5d1; }
.panel-title { font-weight: 600; margin-bottom: 0.3rem; }
.panel-kind { text-transform: uppercase; font-size: 0.75em; letter-spacing: 0.04em; margin-right: 0.5rem; }
details.expand { border: 1px solid var(--line); border-radius: 4px; padding: 0.4rem 0.8rem; margin: 0.8rem 0; }
details.expand summary { cursor: pointer; font-weight: 600; }
nav.toc { border-left: 3px solid var(--line); padding-left: 0.6rem; margin: 0.8rem 0; }
nav.toc ul { list-style: none; padding: 0; margin: 0; }
.toc-level-2 { padding-left: 1rem; } .toc-level-3 { padding-left: 2rem; } .toc-level-4 { padding-left: 3rem; }
.toc-level-5 { padding-left: 4rem; } .toc-level-6 { padding-left: 5rem; }
.status { display: inline-block; padding: 0 0.35rem; border-radius: 3px; font-size: 0.78em; font-weight: 700; text-transform: uppercase; border: 1px solid; }
.status-grey { color: #42526e; } .status-red { color: #bf2600; } .status-yellow { color: #974f0c; }
.status-green { color: #006644; } .status-blue { color: #0747a6; } .status-purple { color: #403294; }
ul.task-list { list-style: none; padding-left: 0.2rem; }
.task-done > span { text-decoration: line-through; color: var(--muted); }
.image img { max-width: 100%; height: auto; }
.image .caption { display: block; color: var(--muted); font-size: 0.9em; }
.image-left, .image-center, .image-right { display: block; }
.image-center { text-align: center; } .image-right { text-align: right; }
.image-wrap-left { float: left; margin: 0 1rem 0.5rem 0; max-width: 50%; }
.image-wrap-right { float: right; margin: 0 0 0.5rem 1rem; max-width: 50%; }
.missing { color: #bf2600; border-bottom: 1px dotted #bf2600; }
.link-removed { border-bottom: 1px dotted var(--muted); }
.mention { background: #ebecf0; border-radius: 1em; padding: 0 0.4em; }
.macro-unknown { border: 1px dashed #a5adba; border-radius: 4px; padding: 0.5rem 0.8rem; margin: 0.8rem 0; }
.macro-label { font-size: 0.85em; color: var(--muted); }
.macro-parameters { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; font-size: 0.9em; }
.macro-parameters dd { margin: 0; }
.inline-comment-marker { background: #fff0b3; }
.layout-section { display: flex; flex-wrap: wrap; gap: 1rem; } .layout-cell { flex: 1 1 14rem; min-width: 0; }
section h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
ul.labels { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
li.label { background: #ebecf0; border-radius: 3px; padding: 0 0.5rem; font-size: 0.9em; }
ol.comments, ol.replies { list-style: none; padding-left: 0; }
ol.replies { margin-left: 1.5rem; border-left: 2px solid var(--line); padding-left: 0.8rem; }
li.comment { margin: 0.8rem 0; }
.comment-meta { color: var(--muted); font-size: 0.85em; }
.comment-selection { margin: 0.3rem 0; padding-left: 0.6rem; border-left: 3px solid #ffe380; color: var(--muted); }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2rem; }
ul.tree { padding-left: 0; }
ul.tree li { margin: 0.15rem 0; }
ol.search-results { padding-left: 1.2rem; }
.result-space { color: var(--muted); font-size: 0.9em; }
.result-snippet { margin: 0.1rem 0 0.8rem; color: var(--muted); font-size: 0.9em; }
`;
