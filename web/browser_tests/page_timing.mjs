// Opens an offline page (report or graph) in headless Chromium and prints, as JSON, the time from
// navigation until the page answered input (window.layerscopeReady.ms, by the page's own
// performance.now()) and the load event, median of ROUNDS openings, with the median opening's
// own figures (layoutMs, nodes, openGroups where the page gives them). Used by
// bench/report_bench.py and bench/graph_bench.py.
//
//   node web/browser_tests/page_timing.mjs PAGE.html [ROUNDS]
import {pathToFileURL} from 'node:url';

import {launchBrowser} from './harness.mjs';

const [file, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText || 3);
const browser = await launchBrowser();
const openings = [];
const errors = [];
for (let i = 0; i < rounds; ++i) {
  const page = await browser.newPage({viewport: {width: 1400, height: 860}});
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(pathToFileURL(file).href, {timeout: 600000});
  await page.waitForSelector('body.ready', {timeout: 600000});
  openings.push({
    ready: await page.evaluate(() => window.layerscopeReady),
    load: await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd),
  });
  await page.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const middle = [...openings].sort((a, b) => a.ready.ms - b.ready.ms)[Math.floor(rounds / 2)];
console.log(JSON.stringify({
  ready_ms: middle.ready.ms,
  load_ms: median(openings.map((o) => o.load)),
  layout_ms: middle.ready.layoutMs,
  nodes: middle.ready.nodes,
  open_groups: middle.ready.openGroups,
  rounds: openings.map((o) => o.ready.ms),
  errors,
}));
