// Opens pages written by `layerscope graph -o x.html` in headless Chromium (playwright-core) and
// uses them as a person would: no errors, no network, search, open and close groups, select.
//
//   LAYERSCOPE=build/layerscope OUT_DIR=build/graph_html_browser node web/browser_tests/graph_page.mjs
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {checker, launchBrowser} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.env.LAYERSCOPE_SOURCE_DIR || path.join(here, '..', '..');
const binary = process.env.LAYERSCOPE || path.join(source, 'build', 'layerscope');
const outDir = process.env.OUT_DIR || path.join(source, 'build', 'graph_html_browser');
const python = process.env.PYTHON || '/usr/bin/python3';
const HOSTILE = 'say "hi" </script><script>alert(1)</script> & \\N';

fs.mkdirSync(outDir, {recursive: true});
execFileSync(python, [path.join(here, 'make_models.py'), outDir]);

// Writes a page; returns its path and the drawn counts the command printed ("N nodes ... M edges").
function graphPage(model, name, ...args) {
  const out = path.join(outDir, name);
  const stdout = execFileSync(binary, ['graph', model, '-o', out, ...args], {encoding: 'utf8'});
  const m = /: (\d+) nodes .*?, (\d+) edges/.exec(stdout);
  assert.ok(m, stdout);
  return {file: out, nodes: Number(m[1]), edges: Number(m[2])};
}

const browser = await launchBrowser();
const {check, failures} = checker(browser, {outDir, viewport: {width: 1200, height: 800}});

const drawnNodes = (page) => page.locator('#graph .node').count();
const drawnEdges = (page) => page.locator('#graph .edge').count();

await check('digits: every node, search, select', async (page, open) => {
  const digits = graphPage(path.join(source, 'models', 'digits_cnn.onnx'), 'digits.html');
  const url = await open(digits.file);
  assert.equal(await drawnNodes(page), digits.nodes);
  assert.equal(await drawnEdges(page), digits.edges);
  assert.equal(digits.nodes, 8);

  await page.fill('#search', 'gemm');
  await page.press('#search', 'Enter');
  assert.equal(await page.textContent('#search-status'), '1 / 1');
  const current = page.locator('#graph .node.current');
  assert.equal(await current.count(), 1);
  assert.match(await current.textContent(), /^Gemm/);

  await page.locator('#graph .node', {hasText: /^Conv/}).click();
  const details = page.locator('#details');
  await details.waitFor({state: 'visible'});
  const text = await details.textContent();
  assert.match(text, /^×?Conv\/conv1\/Conv/);
  assert.match(text, /kernel 3×3/);
  assert.match(text, /W 32×1×3×3/);
  assert.match(text, /Inputs.*image batch×1×28×28 float32/);
  assert.match(text, /Outputs.*batch×32×26×26 float32/);
  await page.screenshot({path: path.join(outDir, 'digits.png')});

  // A caller's nodeStyle colours boxes (the report will colour by a statistic).
  const fills = await page.evaluate(() => {
    const panel = window.layerscopeGraph;
    panel.options.nodeStyle = ({item}) =>
      item !== undefined && panel.data.items[item].title === 'Relu' ? {fill: '#123456'} : null;
    panel.redraw();
    return [...document.querySelectorAll('#graph .node')].map(
        (n) => [n.querySelector('.title').textContent, n.querySelector('.box').getAttribute('fill')]);
  });
  assert.deepEqual(fills.filter(([, fill]) => fill === '#123456').map(([title]) => title), ['Relu']);
  assert.ok(fills.some(([title, fill]) => title === 'Conv' && fill === '#aec7e8'), 'the rest keep op colours');
  return url;
});

await check('residual: groups open and close in place, search reveals', async (page, open) => {
  const model = path.join(outDir, 'residual.onnx');
  const stages = graphPage(model, 'residual.html', '--depth', '1', '--highlight', 'Gemm|block2');
  const url = await open(stages.file);
  const highlighted = await page.locator('#graph .node.highlighted .title').allTextContents();
  assert.deepEqual(highlighted.sort(), ['+ block2', 'Gemm']);
  // The page's first state is the SVG's: same boxes and edges.
  assert.equal(await drawnNodes(page), stages.nodes);
  assert.equal(await drawnEdges(page), stages.edges);
  assert.equal(stages.nodes, 11);
  const boxes = page.locator('#graph .node.group-box');
  assert.equal(await boxes.count(), 6);
  assert.match(await boxes.first().textContent(), /6 ops.*2 Conv, 2 Relu, 1 Add, 1 BatchNormalization.*in batch×4×8×8 float32/);

  await page.locator('#graph .node.group-box', {hasText: 'block1'}).click();
  assert.equal(await drawnNodes(page), 11 - 1 + 6);
  assert.equal(await page.locator('#graph .cluster', {hasText: 'block1'}).count(), 1);
  await page.locator('#graph .cluster-head', {hasText: 'block1'}).click();
  assert.equal(await drawnNodes(page), 11);

  await page.fill('#search', 'block4/relu1');
  await page.press('#search', 'Enter');
  assert.equal(await drawnNodes(page), 16, 'block4 was opened to show the match');
  const current = page.locator('#graph .node.current');
  assert.equal(await current.count(), 1);
  assert.match(await current.textContent(), /^Relu/);
  // The match is centred in the view.
  const box = await current.boundingBox();
  const view = await page.locator('#graph').boundingBox();
  assert.ok(Math.abs(box.x + box.width / 2 - (view.x + view.width / 2)) < 2, JSON.stringify(box));

  await page.fill('#search', '((');
  await page.waitForFunction(() => document.querySelector('#search-status').textContent === 'bad regex');
  await page.screenshot({path: path.join(outDir, 'residual.png')});
  return url;
});

await check('residual at full depth: pan, zoom and the minimap', async (page, open) => {
  await page.setViewportSize({width: 800, height: 500});
  const all = graphPage(path.join(outDir, 'residual.onnx'), 'residual_all.html', '--depth', '9');
  const url = await open(all.file);
  assert.equal(await drawnNodes(page), all.nodes);
  const transform = () => page.getAttribute('#graph .viewport', 'transform');
  const minimap = page.locator('#graph .ls-minimap');
  assert.ok(await minimap.isVisible(), 'a minimap on a drawing larger than the view');
  const before = await transform();
  const map = await minimap.boundingBox();
  await page.mouse.click(map.x + map.width / 2, map.y + map.height - 3);
  assert.notEqual(await transform(), before, 'clicking the minimap moves the view');
  const moved = await transform();
  const view = await page.locator('#graph').boundingBox();
  await page.mouse.move(view.x + 200, view.y + 200);
  await page.mouse.down();
  await page.mouse.move(view.x + 260, view.y + 150, {steps: 4});
  await page.mouse.up();
  assert.notEqual(await transform(), moved, 'dragging pans');
  const scale = (t) => Number(/scale\(([^)]+)\)/.exec(t)[1]);
  const panned = await transform();
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((t) => document.querySelector('#graph .viewport')
                                        .getAttribute('transform') !== t, panned);
  assert.ok(scale(await transform()) > scale(panned), 'the wheel zooms in');
  await page.screenshot({path: path.join(outDir, 'residual_all.png')});
  return url;
});

await check('hostile names: escaped, shown as written', async (page, open) => {
  const hostile = graphPage(path.join(outDir, 'hostile.onnx'), 'hostile.html', '--depth', '9');
  const url = await open(hostile.file);
  assert.equal(await page.locator('script').count(), 2, 'no script made from a name');
  assert.equal(await drawnNodes(page), hostile.nodes);
  const texts = await page.locator('#graph .node').allTextContents();
  assert.ok(texts.some((t) => t.includes(HOSTILE)), texts.join('\n'));
  assert.ok(texts.some((t) => t.includes('bad_\ufffd\ufffd\ufffd(')), texts.join('\n'));
  return url;
});

await browser.close();
if (failures()) {
  console.log(`${failures()} failed`);
  process.exit(1);
}
console.log(`all passed; screenshots in ${outDir}`);
