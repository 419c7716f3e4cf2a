// Opens an offline page (report or graph) in headless Chromium and prints, as JSON, the time from
// navigation until the page answered input (window.layerscopeReady.ms, Performance API) and the
// load event, median of --rounds openings. Used by bench/report_bench.py.
//
//   node web/browser_tests/page_timing.mjs PAGE.html [ROUNDS]
import {pathToFileURL} from 'node:url';

import {chromium} from 'playwright-core';

const [file, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText || 3);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
const ready = [], load = [];
const errors = [];
for (let i = 0; i < rounds; ++i) {
  const page = await browser.newPage({viewport: {width: 1400, height: 860}});
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body.ready', {timeout: 60000});
  ready.push(await page.evaluate(() => window.layerscopeReady.ms));
  load.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd));
  await page.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({ready_ms: median(ready), load_ms: median(load), rounds: ready, errors}));
