// A small page data set in the shape src/render/graph_html.cpp writes: two stages of blocks.
//
//   root: input x, stage0 {block0 {conv, relu}, block1 {conv, add}}, stage1 {block2 {conv}},
//         head gemm, output y
// Edges: x -> conv0 -> relu0 -> conv1 -> add1 -> conv2 -> gemm -> y, and x -> add1 (a skip).
export function stagesData({expanded = [1, 2, 3, 4, 5]} = {}) {
  const groups = [
    {name: '', path: '', parent: -1, level: 0},
    {name: 'stage0', path: 'stage0', parent: 0, level: 1},
    {name: 'block0', path: 'stage0/block0', parent: 1, level: 2},
    {name: 'block1', path: 'stage0/block1', parent: 1, level: 2},
    {name: 'stage1', path: 'stage1', parent: 0, level: 1},
    {name: 'block2', path: 'stage1/block2', parent: 4, level: 2},
  ];
  const item = (kind, parent, title, name, category = 'other') =>
    ({kind, parent, title, name, lines: kind === 'op' ? [name.split('/').pop()] : [name, '1×4 float32'],
      category, highlighted: false});
  const items = [
    item('input', 0, 'input', 'x'),                           // 0
    item('op', 2, 'Conv', '/stage0/block0/Conv', 'convolution'),  // 1
    item('op', 2, 'Relu', '/stage0/block0/Relu', 'activation'),   // 2
    item('op', 3, 'Conv', '/stage0/block1/Conv', 'convolution'),  // 3
    item('op', 3, 'Add', '/stage0/block1/Add', 'elementwise'),    // 4
    item('op', 5, 'Conv', '/stage1/block2/Conv', 'convolution'),  // 5
    item('op', 0, 'Gemm', '/head/Gemm', 'linear'),            // 6
    item('output', 0, 'output', 'y'),                         // 7
  ];
  const edge = (from, to, value, label = '1×4 float32') => ({from, to, value, label});
  const edges = [
    edge(0, 1, 'x'), edge(1, 2, 'c0'), edge(2, 3, 'r0'), edge(3, 4, 'c1'), edge(0, 4, 'x'),
    edge(4, 5, 'a1', '1×8 float32'), edge(5, 6, 'c2'), edge(6, 7, 'y', '1×3 float32'),
  ];
  for (const g of groups) {
    g.groups = [];
    g.items = [];
    g.op_counts = {};
    g.op_total = 0;
    g.subgraph = false;
    g.part = false;
    g.highlighted = false;
  }
  groups.forEach((g, index) => {
    if (g.parent >= 0) groups[g.parent].groups.push(index);
    g.expanded = index === 0 || expanded.includes(index);
  });
  items.forEach((it, index) => {
    groups[it.parent].items.push(index);
    if (it.kind !== 'op') return;
    for (let g = it.parent; g >= 0; g = groups[g].parent) {
      groups[g].op_counts[it.title] = (groups[g].op_counts[it.title] || 0) + 1;
      groups[g].op_total += 1;
    }
  });
  // Op counts in name order, as the C++ std::map writes them.
  for (const g of groups)
    g.op_counts = Object.fromEntries(Object.entries(g.op_counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {name: 'stages', rankdir: 'TB', shapes: true, categories: {convolution: '#aec7e8'},
          groups, items, edges};
}
