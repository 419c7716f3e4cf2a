// Draws a laid-out scene as SVG elements. Colours come from the data (the C++ op-category table)
// unless the caller's nodeStyle says otherwise.
const SVG = 'http://www.w3.org/2000/svg';
const CLUSTER_FILLS = ['#f7f9fc', '#eef3f9', '#e6edf6', '#dfe7f2'];
const SUBGRAPH_FILL = '#e8f7f3';
const PORT_FILL = '#37474f';   // graph inputs and outputs
const BOX_FILL = '#f0f0f0';    // collapsed groups

export function svgElement(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}

// The SVG path of a route through dagre's points: straight ends, rounded bends.
export function routePath(points) {
  if (points.length === 0) return '';
  const f = (n) => Math.round(n * 10) / 10;
  let d = 'M' + f(points[0].x) + ',' + f(points[0].y);
  for (let i = 1; i < points.length - 1; ++i) {
    const p = points[i], q = points[i + 1];
    d += 'Q' + f(p.x) + ',' + f(p.y) + ' ' + f((p.x + q.x) / 2) + ',' + f((p.y + q.y) / 2);
  }
  const last = points[points.length - 1];
  d += 'L' + f(last.x) + ',' + f(last.y);
  return d;
}

// Default look of a drawn box: {fill, text, kind} from the item or group it stands for.
export function defaultNodeStyle(data, info) {
  if (info.group !== undefined) return {fill: BOX_FILL, text: '#000'};
  const item = data.items[info.item];
  if (item.kind === 'input' || item.kind === 'output') return {fill: PORT_FILL, text: '#fff'};
  return {fill: (data.categories && data.categories[item.category]) || '#ffffff', text: '#000'};
}

// Builds the SVG for a scene into `layer` (a <g>); returns the key -> element map of the boxes.
export function drawScene(layer, scene, {data, model, nodeStyle, markerId, classesOf}) {
  while (layer.firstChild) layer.removeChild(layer.firstChild);
  const clusters = svgElement('g', {class: 'clusters'}, layer);
  const edgeLayer = svgElement('g', {class: 'edges'}, layer);
  const nodeLayer = svgElement('g', {class: 'nodes'}, layer);
  for (const c of scene.clusters) {
    const group = data.groups[c.group];
    const g = svgElement('g', {class: 'cluster', 'data-group': c.group}, clusters);
    if (group.highlighted) g.classList.add('highlighted');
    svgElement('rect', {
      x: c.x, y: c.y, width: c.width, height: c.height, rx: 6,
      fill: group.subgraph ? SUBGRAPH_FILL : CLUSTER_FILLS[(group.level - 1) % 4],
      class: group.subgraph ? 'frame subgraph' : 'frame',
    }, g);
    const head = svgElement('g', {class: 'cluster-head', 'data-group': c.group}, g);
    svgElement('rect', {x: c.x, y: c.y, width: c.width, height: 20, class: 'head-hit'}, head);
    const label = svgElement('text', {x: c.x + 8, y: c.y + 14, class: 'cluster-label'}, head);
    label.textContent = '− ' + group.name;
    const title = svgElement('title', {}, head);
    title.textContent = (group.path || group.name) + ' (click to collapse)';
  }
  for (const e of scene.edges) {
    const g = svgElement('g', {class: 'edge'}, edgeLayer);
    svgElement('path', {d: routePath(e.points), 'marker-end': 'url(#' + markerId + ')'}, g);
    if (e.labelText) {
      const t = svgElement('text', {x: e.labelAt.x, y: e.labelAt.y + 3, class: 'edge-label'}, g);
      t.textContent = e.labelText;
    }
  }
  const elements = new Map();
  for (const n of scene.nodes) {
    const index = Number(n.key.slice(1));
    const info = n.key[0] === 'i' ? {key: n.key, item: index} : {key: n.key, group: index};
    const style = {...defaultNodeStyle(data, info), ...(nodeStyle ? nodeStyle(info) || {} : {})};
    const g = svgElement('g', {class: 'node', 'data-key': n.key}, nodeLayer);
    let title, lines;
    if (info.group !== undefined) {
      const group = data.groups[index];
      g.classList.add('group-box');
      if (group.highlighted || model.highlightedInside[index]) g.classList.add('highlighted');
      title = '+ ' + group.name;
      lines = n.lines || [];
      svgElement('rect', {x: n.x - 3, y: n.y - 3, width: n.width + 6, height: n.height + 6,
                          rx: 7, class: 'outer'}, g);
    } else {
      const item = data.items[index];
      g.classList.add('kind-' + item.kind);
      if (item.highlighted) g.classList.add('highlighted');
      title = item.title;
      lines = item.lines;
    }
    for (const cls of classesOf ? classesOf(n.key) : []) g.classList.add(cls);
    svgElement('rect', {x: n.x, y: n.y, width: n.width, height: n.height, rx: 5,
                        fill: style.fill, class: 'box'}, g);
    const text = svgElement('text', {x: n.x + n.width / 2, fill: style.text}, g);
    const head = svgElement('tspan', {x: n.x + n.width / 2, y: n.y + 16, class: 'title'}, text);
    head.textContent = title;
    lines.forEach((line, k) => {
      const span = svgElement('tspan', {x: n.x + n.width / 2, y: n.y + 16 + 13 * (k + 1)}, text);
      span.textContent = line;
    });
    elements.set(n.key, g);
  }
  return elements;
}
