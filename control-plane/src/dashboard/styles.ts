/** The dashboard's stylesheet: light, readable, one column on narrow screens. */
export const STYLES = `
:root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; --card: #fff; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 17px; margin: 0 12px 0 0; }
nav { display: flex; flex-wrap: wrap; gap: 4px; flex: 1; }
nav a { padding: 5px 10px; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav a:hover { background: var(--bg); }
nav a.active { background: var(--accent); color: #fff; }
main { padding: 16px 20px 40px; max-width: 1400px; margin: 0 auto; }
h2 { font-size: 20px; margin: 4px 0 12px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
a { color: var(--accent); }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.scroll { overflow-x: auto; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 110px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12px; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 24px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #d1d5db; color: #111827; }
.st-RUNNING { background: #2563eb; color: #fff; }
.st-COMPLETED { background: #15803d; color: #fff; }
.st-FAILED, .st-DEAD { background: #dc2626; color: #fff; }
.st-CANCELLED { background: #374151; color: #fff; }
.st-QUEUED { background: #bfdbfe; color: #1e3a8a; }
.st-WAITING_APPROVAL { background: #d97706; color: #fff; }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; background: var(--bg); }
progress { width: 70px; vertical-align: middle; }
.conn { font-size: 12px; padding: 2px 8px; border-radius: 999px; }
.conn.ok { background: #dcfce7; color: #166534; }
.conn.bad { background: #fee2e2; color: #991b1b; }
button { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid #d1d5db; background: var(--card); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
button.link { border: 0; padding: 0; background: none; color: var(--accent); text-align: left; word-break: break-all; }
button.picked { font-weight: 700; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
.result.ok { color: #166534; }
.result.bad, .err { color: #b91c1c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-word; }
ol { padding-left: 20px; margin: 0; }
ol li { margin: 2px 0; }
#log-tail { background: #0f172a; color: #e2e8f0; padding: 10px 12px; border-radius: 8px; height: 420px; overflow: auto; margin: 0;
  font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; }
#log-tail .stderr { color: #fca5a5; }
#log-tail .system { color: #93c5fd; }
.follow { font-size: 13px; font-weight: normal; margin-left: 8px; }
.graph-wrap { overflow: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 4px; }
.graph-wrap svg { display: block; }
.graph-wrap text { font-size: 12px; pointer-events: none; }
.graph-wrap text.node-id { font-weight: 700; font-family: ui-monospace, Menlo, Consolas, monospace; }
.graph-wrap text.small { font-size: 11px; }
.graph-wrap .edge { fill: none; stroke: #9ca3af; stroke-width: 1.6; }
.graph-wrap .node { cursor: pointer; }
.graph-wrap .node:hover rect { stroke: #111827; stroke-width: 2; }
.legend { color: var(--muted); }
.keys ul, .members { list-style: none; padding: 0; margin: 0; }
.keys li { padding: 3px 0; border-bottom: 1px solid var(--line); }
pre.value { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px; white-space: pre-wrap; word-break: break-all; }
form.inline { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
input, select { font: inherit; padding: 5px 8px; border: 1px solid #d1d5db; border-radius: 6px; }
#login { max-width: 420px; margin: 12vh auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 24px; }
#login h1 { margin-top: 0; font-size: 20px; }
#login input { width: 100%; margin: 8px 0 12px; }
#view-error { color: #991b1b; background: #fee2e2; padding: 8px 12px; border-radius: 6px; }
#login-error { color: #b91c1c; background: #fee2e2; padding: 8px 10px; border-radius: 6px; }
[hidden] { display: none !important; }
@media (max-width: 640px) { main, header { padding-left: 10px; padding-right: 10px; } th, td { padding: 5px 6px; } }
`;
