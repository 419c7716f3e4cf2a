// Time until a `layerscope graph -o x.html` page is interactive in headless Chromium: from
// navigation start to the end of its first layout and drawing (the page's own performance.now()),
// median of --repeat loads. Used by bench/graph_bench.py; prints one JSON object.
//
//   node bench/graph_page_timing.mjs PAGE.html [--repeat 3]
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const {chromium} = createRequire(path.join(root, 'web', 'package.json'))('playwright-core');

const file = process.argv[2];
const repeatAt = process.argv.indexOf('--repeat');
const repeat = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 3;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
const runs = [];
for (let i = 0; i < repeat; ++i) {
  const page = await browser.newPage({viewport: {width: 1400, height: 900}});
  await page.goto(pathToFileURL(file).href, {timeout: 600000});
  await page.waitForSelector('body.ready', {timeout: 600000});
  runs.push(await page.evaluate(() => window.layerscopeReady));
  await page.close();
}
await browser.close();
runs.sort((a, b) => a.ms - b.ms);
const median = runs[Math.floor(runs.length / 2)];
console.log(JSON.stringify({ready_ms: median.ms, layout_ms: median.layoutMs, nodes: median.nodes,
                            open_groups: median.openGroups, runs: runs.map((r) => r.ms)}));
