// The report page's pure helpers: number formatting as `run` prints, filtering, colour scales,
// graph items mapped to layers.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {colorScale, filterLayers, finite, formatNumber, itemLayers, layerValues, rampColor,
        sampleOf, textOn} from '../src/report/stats.js';

const sample = (input, mean, extra = {}) => ({input, mean, std: 1, zero_fraction: 0.25, nan_count: 0, inf_count: 0, ...extra});
const layers = [
  {value: 'conv1_out', node: 'conv1', op: 'Conv', samples: [sample(0, 1), sample(1, 3)]},
  {value: 'relu1_out', node: 'relu1', op: 'Relu', samples: [sample(0, 'nan', {nan_count: 4}), sample(1, 2)]},
  {value: 'fc_out', node: 'fc', op: 'Gemm', samples: [sample(1, -1)]},  // filtered out for input 0
];

test('numbers are formatted as run prints them, non-finite strings read back', () => {
  assert.equal(formatNumber(1.5), '1.5000');
  assert.equal(formatNumber(0), '0.0000');
  assert.equal(formatNumber(123456), '1.235e+05');
  assert.equal(formatNumber(-2.5e-7), '-2.500e-07');
  assert.equal(formatNumber(1e100), '1.000e+100');
  assert.equal(formatNumber('nan'), 'nan');
  assert.equal(formatNumber('-inf'), '-inf');
  assert.equal(finite('inf'), Infinity);
  assert.ok(Number.isNaN(finite('nan')));
});

test('a layer without a sample for an input has none', () => {
  assert.equal(sampleOf(layers[2], 0), null);
  assert.equal(sampleOf(layers[2], 1).mean, -1);
});

test('statistic values per layer for one input', () => {
  const means = layerValues(layers, 'mean', 0);
  assert.equal(means[0], 1);
  assert.ok(Number.isNaN(means[1]));
  assert.ok(Number.isNaN(means[2]));
  assert.deepEqual(layerValues(layers, 'nonfinite', 0).slice(0, 2), [0, 4]);
  assert.throws(() => layerValues(layers, 'median', 0), /unknown statistic/);
});

test('filter by name or op, case-insensitive, and by exact op', () => {
  assert.deepEqual(filterLayers(layers, 'RELU', ''), [1]);
  assert.deepEqual(filterLayers(layers, '_out', 'Gemm'), [2]);
  assert.deepEqual(filterLayers(layers, '', ''), [0, 1, 2]);
  assert.deepEqual(filterLayers(layers, '<script>', ''), []);
});

test('colour scale ranks the finite values; NaN/Inf counts are red or green', () => {
  const scale = colorScale([0, 1, -500, NaN, 1], 'mean');
  assert.equal(scale.min, -500);
  assert.equal(scale.max, 1);
  assert.deepEqual(scale.colors, [rampColor(0.5), rampColor(1), rampColor(0), '#dddddd', rampColor(1)]);
  const bad = colorScale([0, 3, NaN], 'nonfinite');
  assert.equal(bad.colors[1], '#d62728');
  assert.notEqual(bad.colors[0], bad.colors[1]);
  assert.equal(textOn('#ffffff'), '#000');
  assert.equal(textOn('#440154'), '#fff');
});

test('graph op items map to the first layer of their node', () => {
  const graph = {items: [{kind: 'input', name: 'x'}, {kind: 'op', name: 'relu1'}, {kind: 'op', name: 'other'}]};
  assert.deepEqual(itemLayers(graph, layers), [-1, 1, -1]);
});
