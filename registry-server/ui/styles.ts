/**
 * The stylesheet of the web interface: system fonts (nothing fetched from
 * elsewhere), light and dark themes following the system setting, readable
 * from phone width up, visible keyboard focus, contrast of at least 4.5:1
 * for text in both themes.
 */
export const SITE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --accent: #0a58ca; --accent-fg: #ffffff; --warn-bg: #fff4d6; --warn-fg: #6b4500; --danger: #b42318; --ok: #116329;
  --code-bg: #eff1f3; --focus: #0a58ca;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
    --accent: #6cb6ff; --accent-fg: #0d1117; --warn-bg: #3b2e00; --warn-fg: #f2cc60; --danger: #ff7b72; --ok: #56d364;
    --code-bg: #1f252d; --focus: #6cb6ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font-size: 1rem; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--accent); color: var(--accent-fg); padding: .5rem 1rem; z-index: 2; }
.skip:focus { left: .5rem; }
header.site { border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .bar { max-width: 64rem; margin: 0 auto; padding: .75rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header.site .brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); text-decoration: none; }
header.site form { flex: 1 1 16rem; display: flex; gap: .5rem; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
footer.site { max-width: 64rem; margin: 2rem auto; padding: 1rem; color: var(--muted); font-size: .875rem; border-top: 1px solid var(--line); }
input, select, button, textarea { font: inherit; color: inherit; }
input[type=search], input[type=text], input[type=password], select {
  background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; min-height: 2.5rem;
}
input[type=search] { flex: 1; min-width: 0; }
button, .button {
  background: var(--accent); color: var(--accent-fg); border: 1px solid var(--accent); border-radius: 6px;
  padding: .4rem .9rem; min-height: 2.5rem; cursor: pointer; font-weight: 600; text-decoration: none; display: inline-block;
}
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); color: var(--bg); }
button:disabled { opacity: .6; cursor: not-allowed; }
h1 { font-size: 1.6rem; margin: .5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.muted { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: .5rem 0 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .875rem; gap: .2rem; }
.filters label.check { flex-direction: row; align-items: center; gap: .4rem; min-height: 2.5rem; }
ol.results { list-style: none; padding: 0; margin: 0; }
ol.results li { padding: .75rem 0; border-bottom: 1px solid var(--line); }
ol.results .name { font-weight: 600; font-size: 1.05rem; overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: .75rem; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; margin-right: .25rem; color: var(--muted); }
.tag.yanked, .badge.yanked { border-color: var(--danger); color: var(--danger); }
.badge { font-size: .8rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 .4rem; }
nav.pages { display: flex; gap: 1rem; margin: 1rem 0; align-items: center; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 18rem; gap: 2rem; }
.layout aside { font-size: .925rem; }
.layout aside dl { margin: 0; }
.layout aside dt { color: var(--muted); font-size: .8rem; margin-top: .75rem; }
.layout aside dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 48rem) { .layout { grid-template-columns: minmax(0, 1fr); } }
.readme { overflow-wrap: anywhere; }
.readme img { max-width: 100%; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .875rem; }
pre { background: var(--code-bg); padding: .75rem; border-radius: 6px; overflow-x: auto; }
code { background: var(--code-bg); padding: .1rem .3rem; border-radius: 4px; }
pre code { background: none; padding: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.integrity { font-family: ui-monospace, monospace; font-size: .8rem; overflow-wrap: anywhere; max-width: 16rem; }
.snippet { margin: .5rem 0 1rem; }
.snippet .head { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
.snippet pre { margin: .25rem 0 0; }
.notice { background: var(--warn-bg); color: var(--warn-fg); padding: .5rem .75rem; border-radius: 6px; }
.status { min-height: 1.5rem; }
.status.error { color: var(--danger); }
.status.ok { color: var(--ok); }
.owner { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-top: 1.5rem; background: var(--panel); }
.owner form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
.owner label { display: flex; flex-direction: column; font-size: .875rem; gap: .2rem; }
.small { font-size: .8rem; }
.bad { color: var(--danger); }
ul.plain { list-style: none; padding: 0; margin: 0; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.figure { display: block; }
.tag.serving { border-color: var(--ok); color: var(--ok); }
.tag.retiring { border-color: var(--warn-fg); color: var(--warn-fg); }
main:has(#host), body:has(#host) header.site .bar, body:has(#host) footer.site { max-width: 80rem; }
th .small { font-weight: normal; }
.panel .status { margin: .5rem 0 0; }
.panel .status:empty { min-height: 0; margin: 0; }
@media (max-width: 40rem) {
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards th, table.cards td { display: block; }
  table.cards tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.cards th, table.cards td { border: 0; padding: .15rem 0; }
  table.cards td[data-label]::before { content: attr(data-label); display: block; color: var(--muted); font-size: .8rem; }
  table.cards .figure { display: inline; margin-right: .75rem; }
}
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; background: var(--panel); margin: 1rem 0; }
.panel label, .panel .label { display: block; font-size: .875rem; margin-bottom: .2rem; }
.manage { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; }
.manage > * { flex: 1 1 14rem; }
.manage input { width: 100%; }
.manage .row { display: flex; gap: .5rem; }
.manage .row input { flex: 1; min-width: 0; }
.confirm { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .75rem; }
.confirm p { margin: 0; flex: 1 1 100%; font-weight: 600; }
.updates ul { margin: .25rem 0; padding-left: 1.25rem; }
.actions { display: flex; gap: .4rem; }
.actions button { min-height: 2.25rem; padding: .2rem .6rem; }
button.danger-text { color: var(--danger); border-color: var(--danger); }
ol.errors { list-style: none; padding: 0; margin: 0; }
ol.errors li { padding: .5rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
ol.errors .message { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .85rem; white-space: pre-wrap; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;
