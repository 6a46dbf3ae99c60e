/**
 * What the HTML report needs in the browser: the Chart.js 4 UMD bundle (read from the installed package and
 * inlined, so the page works offline and under a CSP that allows no network), and the small script that draws
 * the two charts from the embedded report data. Animations are off so the first paint is final (screenshots).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors';

let cached: string | undefined;

/** The Chart.js UMD bundle, safe to place inside a <script> element. */
export function chartJsSource(): string {
  if (cached !== undefined) return cached;
  let path = '';
  try {
    path = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
    cached = readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
    return cached;
  } catch (e) {
    throw new ConfigError(`Chart.js is not installed (${path || 'chart.js'}): run \`npm ci\` so the HTML report can inline it.`, {
      code: 'REPORT_CHARTJS_MISSING',
      cause: e,
    });
  }
}

/** Draws #chunk-chart and #day-chart from the JSON in #report-data; marks <body data-ready="true"> when done. */
export const DRAW_SCRIPT = `
(function () {
  'use strict';
  try {
    var d = JSON.parse(document.getElementById('report-data').textContent);
    Chart.defaults.animation = false;
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.maintainAspectRatio = false;
    new Chart(document.getElementById('chunk-chart'), {
      type: 'bar',
      data: {
        labels: d.chunks.labels,
        datasets: [
          { type: 'line', label: 'QBO COUNT(*)', data: d.chunks.source, borderColor: '#111827', backgroundColor: '#111827', pointRadius: 3, spanGaps: true, order: 0 },
          { label: 'inserted', data: d.chunks.inserted, backgroundColor: '#2563eb', stack: 'rows', order: 1 },
          { label: 'updated', data: d.chunks.updated, backgroundColor: '#f59e0b', stack: 'rows', order: 1 },
          { label: 'unchanged', data: d.chunks.unchanged, backgroundColor: '#9ca3af', stack: 'rows', order: 1 },
          { label: 'skipped (stale)', data: d.chunks.skipped, backgroundColor: '#ef4444', stack: 'rows', order: 1 }
        ]
      },
      options: {
        plugins: { title: { display: true, text: 'Rows per chunk (window)' }, tooltip: { callbacks: { title: function (items) { return d.chunks.windows[items[0].dataIndex]; } } } },
        scales: { x: { stacked: true, title: { display: true, text: 'chunk' } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'rows' } } }
      }
    });
    var colors = d.days.flags.map(function (f, i) {
      if (f === 'empty') return '#dc2626';
      if (f === 'outlier') return '#f59e0b';
      return d.days.partial[i] ? '#bfdbfe' : '#2563eb';
    });
    new Chart(document.getElementById('day-chart'), {
      type: 'bar',
      data: { labels: d.days.labels, datasets: [
        { type: 'line', label: 'empty day', data: d.days.flags.map(function (f) { return f === 'empty' ? 0 : null; }), showLine: false,
          pointStyle: 'triangle', pointRadius: 7, pointBackgroundColor: '#dc2626', pointBorderColor: '#dc2626', clip: false, order: 0 },
        { label: d.days.field, data: d.days.counts, backgroundColor: colors, barPercentage: 1, categoryPercentage: 0.9, order: 1 }
      ] },
      options: {
        plugins: {
          title: { display: true, text: 'Records per UTC day (' + d.days.field + ') — red: empty day inside a busy range, amber: outlier, light: partial day' },
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: function (item) { var f = d.days.flags[item.dataIndex]; return f ? 'flagged: ' + f : ''; } } }
        },
        scales: { x: { ticks: { maxTicksLimit: 24, autoSkip: true } }, y: { beginAtZero: true, title: { display: true, text: 'records' } } }
      }
    });
    document.body.setAttribute('data-ready', 'true');
  } catch (e) {
    document.body.setAttribute('data-ready', 'error');
    console.error('report charts failed: ' + (e && e.message ? e.message : e));
  }
})();
`;
