// Opens pages written by `layerscope report` in headless Chromium (playwright-core) and uses them as
// a person would: no errors, no network, the panel shows the statistics `run --json` prints, the
// layer filter, graph colouring by the chosen statistic, feature maps, scatter, the first NaN,
// thousands of layers (virtualized list), hostile names; time until interactive.
//
//   LAYERSCOPE=build/layerscope OUT_DIR=build/report_browser node web/browser_tests/report_page.mjs
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {checker, launchBrowser} from './harness.mjs';

import {formatNumber} from '../src/report/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.env.LAYERSCOPE_SOURCE_DIR || path.join(here, '..', '..');
const binary = process.env.LAYERSCOPE || path.join(source, 'build', 'layerscope');
const outDir = process.env.OUT_DIR || path.join(source, 'build', 'report_browser');
const python = process.env.PYTHON || '/usr/bin/python3';
const models = path.join(source, 'models');

fs.mkdirSync(outDir, {recursive: true});
execFileSync(python, [path.join(here, 'make_report_models.py'), outDir]);

function report(name, ...args) {
  const out = path.join(outDir, name);
  execFileSync(binary, ['report', ...args, '-o', out], {encoding: 'utf8'});
  return out;
}

const browser = await launchBrowser();
const readyTimes = [];
const {check, failures} = checker(browser, {
  outDir,
  viewport: {width: 1400, height: 860},
  allowRequest: (url) => url.startsWith('data:'),  // thumbnails
  afterOpen: async (page, name) => {
    const ready = await page.evaluate(() => window.layerscopeReady);
    readyTimes.push({name, ms: ready.ms});
    assert.ok(ready.ms < 2000, `interactive after ${ready.ms} ms`);
  },
});

await check('digits: panel statistics equal run --json, filter, colouring, maps, scatter', async (page, open) => {
  const digits = path.join(models, 'digits_cnn.onnx');
  const dir = path.join(models, 'digits');
  const file = report('digits.html', digits, '--inputs-dir', dir, '--labels', path.join(dir, 'labels.csv'));
  const url = await open(file);
  await page.screenshot({path: path.join(outDir, 'digits_start.png')});
  assert.equal(await page.locator('#graph .node').count(), 8);
  assert.match(await page.textContent('#model-summary'), /Parameters54\.4 k/);

  // The Conv layer from the list: its statistics per input, as `run --json` prints them.
  await page.locator('#layer-list .vrow', {hasText: 'conv1'}).first().click();
  const first = fs.readdirSync(dir).filter((f) => f.endsWith('.npy')).sort()[0];
  const run = JSON.parse(execFileSync(binary, ['run', digits, '--input', path.join(dir, first), '--json'], {encoding: 'utf8'}));
  const cells = await page.locator('#layer-stats tr').nth(1).locator('td').allTextContents();
  const expected = run.layers[0];
  assert.equal(cells[0], first);
  assert.equal(cells[1], '[' + expected.shape.join(',') + ']');
  assert.equal(cells[2], expected.dtype);
  assert.deepEqual(cells.slice(3, 7), ['min', 'max', 'mean', 'std'].map((k) => formatNumber(expected[k])));
  assert.equal(cells[7], (100 * expected.zero_fraction).toFixed(2) + '%');
  assert.deepEqual(cells.slice(8), [String(expected.nan_count), String(expected.inf_count)]);
  assert.equal(await page.locator('#graph .node.selected').count(), 1);
  assert.equal(await page.locator('#layer-panel .maps img').count(), 8);
  assert.equal(await page.locator('#layer-panel .scatter .point').count(),
               fs.readdirSync(dir).filter((f) => f.endsWith('.npy')).length);
  await page.locator('#layer-panel .maps img').nth(2).click();
  assert.ok(await page.locator('#overlay').isVisible());
  await page.screenshot({path: path.join(outDir, 'digits_feature_map.png')});
  await page.locator('#overlay').click();
  await page.screenshot({path: path.join(outDir, 'digits_layer.png')});

  // Clicking a graph node selects its layer.
  await page.locator('#graph .node', {hasText: /^Gemm/}).click();
  assert.match(await page.textContent('#layer-panel h2'), /gemm|Gemm|fc/i);

  // The colouring follows the chosen statistic.
  const fills = () => page.locator('#graph .node.kind-op .box').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('fill')));
  const byMean = await fills();
  await page.selectOption('#statistic', 'zero_fraction');
  const byZeros = await fills();
  assert.notDeepEqual(byZeros, byMean);
  await page.selectOption('#statistic', 'nonfinite');
  assert.ok((await fills()).every((f) => f === '#d8f0d8'), 'no NaN/Inf: every op green');
  await page.selectOption('#statistic', 'std');

  // Filter by name and by op.
  await page.fill('#layer-search', 'relu');
  await page.waitForFunction(() => document.querySelector('#layer-count').textContent.startsWith('1 of'));
  await page.fill('#layer-search', '');
  await page.selectOption('#op-filter', 'Gemm');
  await page.waitForFunction(() => document.querySelector('#layer-count').textContent.startsWith('1 of'));
  assert.equal(await page.locator('#layer-list .vrow').count(), 1);
  await page.screenshot({path: path.join(outDir, 'digits_filtered.png')});
  return url;
});

await check('1500 layers: the list is virtualized and stays responsive', async (page, open) => {
  const file = report('long.html', path.join(outDir, 'long.onnx'), '--input', path.join(outDir, 'long_x.npy'));
  const url = await open(file);
  const rows = await page.locator('#layer-list .vrow').count();
  assert.ok(rows > 10 && rows < 120, `${rows} rows in the DOM`);
  assert.match(await page.textContent('#layer-count'), /^1500 of 1500/);
  const started = Date.now();
  await page.locator('#layer-list').evaluate((e) => (e.scrollTop = e.scrollHeight));
  await page.locator('#layer-list .vrow', {hasText: 't1499'}).click();
  assert.ok(Date.now() - started < 1500, 'scroll and click took ' + (Date.now() - started) + ' ms');
  assert.match(await page.textContent('#layer-panel h2'), /^t1499$/);
  await page.fill('#layer-search', 'op149');
  await page.waitForFunction(() => document.querySelector('#layer-count').textContent.startsWith('11 of'));
  await page.screenshot({path: path.join(outDir, 'long.png')});
  return url;
});

await check('NaN everywhere and names holding markup', async (page, open) => {
  const inputs = [0, 1, 2].flatMap((k) => ['--input', path.join(outDir, `nan_${k}.npy`)]);
  const file = report('nan.html', path.join(outDir, 'nan.onnx'), ...inputs);
  const url = await open(file);
  assert.match(await page.textContent('#nonfinite-banner'), /First NaN\/Inf: r \(Relu, node <\/script><img src=x onerror=alert\(1\)> & "q"\)/);
  assert.equal(await page.locator('#layer-list .vrow.first-nonfinite').count(), 1);
  assert.equal(await page.locator('#graph .node.highlighted').count(), 1);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await page.selectOption('#statistic', 'nonfinite');
  await page.locator('#nonfinite-banner button').click();
  assert.match(await page.textContent('#layer-panel'), /No scatter: its activations hold NaN or Inf/);
  await page.screenshot({path: path.join(outDir, 'nan.png')});
  return url;
});

await browser.close();
console.log('time until interactive (ms):', readyTimes.map((t) => `${t.name.split(':')[0]} ${t.ms.toFixed(0)}`).join(', '));
console.log(`${failures()} failed`);
process.exit(failures() ? 1 : 0);
