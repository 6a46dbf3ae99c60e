/** The HTML report's stylesheet (inlined; no web fonts, nothing fetched). */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --good: #15803d; --warn: #b45309; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 24px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.entity { color: #2563eb; } .muted { color: var(--muted); } code { font-size: 12.5px; background: #f3f4f6; padding: 1px 4px; border-radius: 4px; }
header p { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin-top: 18px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 19px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card.good { border-color: #86efac; background: #f0fdf4; } .card.warn { border-color: #fcd34d; background: #fffbeb; } .card.bad { border-color: #fca5a5; background: #fef2f2; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; font-size: 12.5px; }
table.chunks td:nth-child(n+5) { text-align: right; } table.chunks th:nth-child(n+5) { text-align: right; }
table.chunks { font-size: 12.5px; } table.chunks td:nth-child(2), table.chunks td:nth-child(3) { white-space: nowrap; } tr.notloaded td { background: #fef2f2; }
.badge { display: inline-block; min-width: 72px; text-align: center; font-size: 11.5px; font-weight: 700; border-radius: 10px; padding: 2px 8px; color: #fff; }
.badge.ok { background: var(--good); } .badge.warning { background: var(--warn); } .badge.failure { background: var(--bad); }
.canvas-box { position: relative; height: 320px; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
`;
