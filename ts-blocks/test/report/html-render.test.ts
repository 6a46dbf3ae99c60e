/**
 * The HTML report in a real headless Chromium (Debian `chromium`, driven by playwright-core): it renders offline,
 * both charts draw, nothing is fetched, the console stays clean, and a screenshot is taken.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { sanitize } from '../../src/core/sanitize';
import { chartJsSource } from '../../src/report/chart-script';
import { chartData, renderHtml } from '../../src/report/html';
import { writeReports } from '../../src/report/write';
import { sampleReport } from './report-fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('HTML report', () => {
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-report-html-'));
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is self-contained: Chart.js inlined, data embedded, a CSP that allows no fetch, text escaped', () => {
    const html = renderHtml(sampleReport());
    expect(html).toContain('Chart.js v4');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('2024-01-21 &lt;check&gt; | pipe');
    expect(sanitize(chartJsSource())).toBe(chartJsSource());
    const data = chartData(sampleReport()) as { days: { flags: Array<string | null>; labels: string[] } };
    expect(data.days.flags[data.days.labels.indexOf('2024-01-21')]).toBe('empty');
    expect(data.days.flags[data.days.labels.indexOf('2024-02-10')]).toBe('outlier');
  });

  it('renders in headless Chromium with both charts drawn, no request and no console error', async () => {
    const paths = writeReports(sampleReport(), { outDir: dir });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${paths.html}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    const charts = await page.evaluate(() => {
      const w = window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ data: unknown[] }> } } | undefined } };
      return ['chunk-chart', 'day-chart'].map((id) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement;
        const chart = w.Chart.getChart(canvas);
        const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
        return { id, width: canvas.width, height: canvas.height, points: chart?.data.datasets.reduce((n, d) => n + d.data.length, 0) ?? 0, painted };
      });
    });
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(300);
      expect(c.height).toBeGreaterThan(200);
      expect(c.points).toBeGreaterThan(0);
      expect(c.painted).toBeGreaterThan(2000);
    }
    expect(charts.map((c) => c.points)).toEqual([9 * 5, 63 * 2]);
    const shot = join(dir, 'report.png');
    await page.locator('#day-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(problems).toEqual([]);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await page.close();
  });
});
