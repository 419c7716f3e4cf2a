import assert from 'node:assert/strict';
import {test} from 'node:test';

import {GraphModel} from '../src/graph/model.js';
import {stagesData} from './fixture.js';

const pairs = (edges) => edges.map((e) => `${e.from}>${e.to}:${e.value}`).sort();

test('every group open: items and edges are drawn as they are', () => {
  const model = new GraphModel(stagesData());
  assert.deepEqual(model.visibleKeys().sort(), ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7']);
  assert.equal(model.visibleEdges().length, 8);
});

test('a closed group is one box and the edges inside it disappear', () => {
  const model = new GraphModel(stagesData({expanded: [1, 4, 5]}));  // block0, block1 closed
  assert.deepEqual(model.visibleKeys().sort(), ['g2', 'g3', 'i0', 'i5', 'i6', 'i7']);
  assert.deepEqual(pairs(model.visibleEdges()),
                   ['g2>g3:r0', 'g3>i5:a1', 'i0>g2:x', 'i0>g3:x', 'i5>i6:c2', 'i6>i7:y']);
});

test('edges into a closed group are redirected to its outermost closed ancestor and merged', () => {
  // stage0 closed (its blocks open, but hidden inside its box): x enters it twice (conv0 and
  // the add's skip), which is one drawn edge: one per value, source box and target box.
  const model = new GraphModel(stagesData({expanded: [2, 3, 4, 5]}));
  assert.deepEqual(model.visibleKeys().sort(), ['g1', 'i0', 'i5', 'i6', 'i7']);
  const edges = model.visibleEdges();
  assert.deepEqual(pairs(edges), ['g1>i5:a1', 'i0>g1:x', 'i5>i6:c2', 'i6>i7:y']);
  assert.deepEqual(edges.find((e) => e.to === 'g1').edges, [0, 4]);
});

test('closing and opening a group changes what is drawn; the root never closes', () => {
  const model = new GraphModel(stagesData());
  assert.equal(model.setExpanded(4, false), true);
  assert.equal(model.setExpanded(4, false), false);
  assert.deepEqual(model.visibleKeys().filter((k) => k[0] === 'g'), ['g4']);
  assert.equal(model.setExpanded(0, false), false);
  model.setExpanded(4, true);
  assert.equal(model.visibleKeys().length, 8);
});

test('reveal opens every closed group around an item', () => {
  const model = new GraphModel(stagesData({expanded: []}));
  assert.deepEqual(model.reveal({item: 4}), [3, 1]);
  assert.equal(model.keyOfItem(4), 'i4');
  assert.equal(model.keyOfItem(1), 'g2');  // block0 is still closed
});

test('common ancestors and the member of a group that holds a box', () => {
  const model = new GraphModel(stagesData());
  assert.equal(model.commonAncestor(2, 3), 1);
  assert.equal(model.commonAncestor(2, 5), 0);
  assert.equal(model.childKeyIn(0, 'i1'), 'g1');
  assert.equal(model.childKeyIn(1, 'i1'), 'g2');
  assert.equal(model.childKeyIn(2, 'i1'), 'i1');
});

test('a closed group box lists op counts and the shapes entering and leaving, as the SVG does', () => {
  const model = new GraphModel(stagesData({expanded: [4, 5]}));
  const lines = model.boxLines(1, model.visibleEdges());
  assert.deepEqual(lines, ['4 ops', '2 Conv, 1 Add, 1 Relu', 'in 1×4 float32', 'out 1×8 float32']);
  const many = model.boxLines(1, model.visibleEdges(), 12);
  assert.deepEqual(many.slice(1, 3), ['2 Conv', '1 Add'], 'op counts wrap at the line width');
});
