import assert from 'node:assert/strict';
import {test} from 'node:test';

import {BOX, CLUSTER, GraphLayout, approximateMeasure, boxSize} from '../src/graph/layout.js';
import {GraphModel} from '../src/graph/model.js';
import {stagesData} from './fixture.js';

const inside = (inner, outer) => inner.x >= outer.x - 1e-6 && inner.y >= outer.y - 1e-6 &&
    inner.x + inner.width <= outer.x + outer.width + 1e-6 &&
    inner.y + inner.height <= outer.y + outer.height + 1e-6;
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
    b.y < a.y + a.height;

test('box size follows the longest line and the line count', () => {
  const size = boxSize('Conv', ['kernel 3×3', 'W 32×1×3×3'], approximateMeasure);
  assert.equal(size.width, Math.ceil(approximateMeasure('kernel 3×3')) + 2 * BOX.padX);
  assert.equal(size.height, BOX.titleHeight + 2 * BOX.lineHeight + 2 * BOX.padY);
});

test('each open group is a cluster holding its members, with room for its name', () => {
  const layout = new GraphLayout(new GraphModel(stagesData()));
  const scene = layout.compute();
  assert.equal(scene.nodes.length, 8);
  assert.equal(scene.clusters.length, 5);
  assert.equal(scene.edges.length, 8);
  const cluster = (g) => scene.clusters.find((c) => c.group === g);
  const node = (key) => scene.nodes.find((n) => n.key === key);
  for (const [key, group] of [['i1', 2], ['i2', 2], ['i3', 3], ['i4', 3], ['i5', 5]]) {
    const c = cluster(group);
    const n = node(key);
    assert.ok(inside(n, c), `${key} inside group ${group}`);
    assert.ok(n.y >= c.y + CLUSTER.labelHeight, `${key} below its group's name`);
  }
  assert.ok(inside(cluster(2), cluster(1)) && inside(cluster(3), cluster(1)));
  assert.ok(inside(cluster(5), cluster(4)));
  assert.ok(!overlap(cluster(1), cluster(4)));
  for (const a of scene.nodes)
    for (const b of scene.nodes) if (a !== b) assert.ok(!overlap(a, b), `${a.key} / ${b.key}`);
  for (const c of scene.clusters) assert.ok(inside(c, {x: 0, y: 0, width: scene.width, height: scene.height}));
  // Flow goes down: every edge ends below where it starts.
  for (const e of scene.edges)
    assert.ok(e.points[e.points.length - 1].y > e.points[0].y, `${e.from} -> ${e.to}`);
});

test('a cluster is exactly its content plus its margins and name', () => {
  // Without edge labels, block0 holds just two boxes, one above the other.
  const scene = new GraphLayout(new GraphModel(stagesData()), {shapes: false}).compute();
  const node = (key) => scene.nodes.find((n) => n.key === key);
  const b0 = scene.clusters.find((c) => c.group === 2), conv = node('i1'), relu = node('i2');
  assert.equal(b0.width, Math.max(conv.width, relu.width) + 2 * CLUSTER.margin);
  // Its height: the two boxes, its name, its margins, and at most one rank above and below for
  // the ports where edges enter and leave.
  const content = (relu.y + relu.height) - conv.y + CLUSTER.labelHeight + 2 * CLUSTER.margin;
  assert.ok(b0.height >= content - 1e-6, `${b0.height} >= ${content}`);
  assert.ok(b0.height <= content + 2 * (24 + 1) + 1e-6, `${b0.height} <= ${content} + two ranks`);
});

test('an edge into a nested group is routed through the groups in between to its box', () => {
  const scene = new GraphLayout(new GraphModel(stagesData())).compute();
  const node = (key) => scene.nodes.find((n) => n.key === key);
  const onBorder = (p, r) => Math.abs(p.y - r.y) < 1 || Math.abs(p.y - (r.y + r.height)) < 1 ||
      Math.abs(p.x - r.x) < 1 || Math.abs(p.x - (r.x + r.width)) < 1;
  for (const e of scene.edges) {
    assert.ok(onBorder(e.points[0], node(e.from)), `${e.from} -> ${e.to} starts on its box`);
    assert.ok(onBorder(e.points[e.points.length - 1], node(e.to)), `${e.from} -> ${e.to} ends on its box`);
  }
  // x -> Add in stage0/block1 (the skip) passes the top of stage0 and of block1, and never runs
  // through another box.
  const skip = scene.edges.find((e) => e.from === 'i0' && e.to === 'i4');
  const cluster = (g) => scene.clusters.find((c) => c.group === g);
  for (const g of [1, 3]) {
    const c = cluster(g);
    assert.ok(skip.points.some((p) => Math.abs(p.y - c.y) < 1e-6) ||
              skip.points.some((p, k) => k > 0 && skip.points[k - 1].y < c.y && p.y > c.y),
              `crosses the top of group ${g}`);
  }
  for (const n of scene.nodes) {
    if (n.key === 'i0' || n.key === 'i4') continue;
    for (const p of skip.points.slice(1, -1))
      assert.ok(!(p.x > n.x + 1 && p.x < n.x + n.width - 1 && p.y > n.y + 1 && p.y < n.y + n.height - 1),
                `bend inside ${n.key}`);
  }
});

test('opening a group lays out only that group and the groups around it', () => {
  const model = new GraphModel(stagesData({expanded: [1, 4]}));  // the blocks closed
  const layout = new GraphLayout(model);
  const before = layout.compute();
  assert.equal(layout.layoutCalls, 3);  // root, stage0, stage1
  assert.equal(before.nodes.length, 6);  // x, block0, block1, block2, gemm, y
  const stage1Before = before.clusters.find((c) => c.group === 4);

  model.setExpanded(2, true);  // block0
  layout.invalidateAround(2);
  const after = layout.compute();
  assert.equal(layout.layoutCalls, 3 + 3);  // block0, stage0, root; stage1 kept
  assert.equal(after.nodes.length, 7);
  const stage0Before = before.clusters.find((c) => c.group === 1);
  const stage0After = after.clusters.find((c) => c.group === 1);
  assert.ok(stage0After.height > stage0Before.height, 'stage0 grew');
  const stage1After = after.clusters.find((c) => c.group === 4);
  assert.equal(stage1After.width, stage1Before.width);
  assert.equal(stage1After.height, stage1Before.height);

  model.setExpanded(2, false);
  layout.invalidateAround(2);
  const closed = layout.compute();
  assert.equal(layout.layoutCalls, 6 + 2);  // stage0 and root; block0's layout kept for later
  assert.equal(closed.nodes.length, 6);
});

test('left to right: edges flow right, and no shapes means no edge labels', () => {
  const data = stagesData();
  data.rankdir = 'LR';
  const scene = new GraphLayout(new GraphModel(data), {rankdir: 'LR', shapes: false}).compute();
  assert.ok(scene.width > scene.height);
  for (const e of scene.edges) assert.equal(e.labelText, undefined);
  const labelled = new GraphLayout(new GraphModel(stagesData())).compute();
  assert.ok(labelled.edges.some((e) => e.labelText === '1×4 float32'));
});
