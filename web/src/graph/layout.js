// Layout of the drawn boxes, group by group, innermost first, as src/render/graph_render.h lays
// out the SVG: each open group is one dagre call over its own members, where an open child group
// is a single node of its already laid-out size and a closed one is a box with its op counts.
// The results are placed inside each other. Opening or closing a group lays out again only the
// groups around it (a group's own layout depends on nothing outside it), so the cost follows what
// changed.
import {Graph, layout as dagreLayout} from '@dagrejs/dagre';

import {ROOT, groupKey, itemKey} from './model.js';

export const BOX = {
  padX: 8,         // text to box border
  padY: 5,
  lineHeight: 13,  // 10 px text
  titleHeight: 14,
  minWidth: 40,
};
export const CLUSTER = {
  margin: 8,        // around a group's content (as the SVG's kClusterMargin)
  labelHeight: 18,  // above it, for the group's name
};
const EDGE_LABEL_HEIGHT = 11;
// Where edges enter and leave an open group inside its own layout: tiny nodes kept above (below)
// every member by invisible edges.
const ENTRY = '<entry>';
const EXIT = '<exit>';

// Box size for a title and its lines, given a text measure (px width of a string).
export function boxSize(title, lines, measureText) {
  let width = measureText(title, true);
  for (const line of lines) width = Math.max(width, measureText(line, false));
  return {
    width: Math.max(BOX.minWidth, Math.ceil(width) + 2 * BOX.padX),
    height: BOX.titleHeight + lines.length * BOX.lineHeight + 2 * BOX.padY,
  };
}

// A rough measure for tests and for when no canvas is at hand.
export function approximateMeasure(text, bold) {
  return Array.from(text).length * (bold ? 6.6 : 6);
}

export class GraphLayout {
  // options: {measureText(text, bold), rankdir: 'TB' | 'LR', shapes: boolean}
  constructor(model, options = {}) {
    this.model = model;
    this.measureText = options.measureText || approximateMeasure;
    this.rankdir = options.rankdir === 'LR' ? 'LR' : 'TB';
    this.shapes = options.shapes !== false;
    this.itemSizes = new Map();
    this.cache = new Map();  // group -> its own layout, in its own frame
    this.layoutCalls = 0;    // dagre calls so far (tests count them)
  }

  // After `group` opened or closed: the groups around it must be laid out again.
  invalidateAround(group) {
    for (let g = this.model.groups[group].parent; g >= 0; g = this.model.groups[g].parent)
      this.cache.delete(g);
  }

  itemSize(item) {
    let size = this.itemSizes.get(item);
    if (!size) {
      const it = this.model.items[item];
      size = boxSize(it.title, it.lines, this.measureText);
      this.itemSizes.set(item, size);
    }
    return size;
  }

  // The whole drawing for the model's current state, in absolute coordinates:
  // {width, height, nodes: [{key, x, y, width, height, lines?}], clusters: [{group, x, y, width,
  //  height}], edges: [{from, to, value, label, points, labelText?, labelAt?}]}, where (x, y) are
  // top-left corners and one edge of those sharing a route carries its label.
  compute() {
    const model = this.model;
    const edges = model.visibleEdges();
    // Each drawn edge is routed in the layout of the deepest group holding both of its ends, as an
    // edge between the two members of that group that hold them; inside each open group it leaves
    // on the way, from its end to the group's exit port, and inside each it enters, from the
    // group's entry port to its end (dagre routes those too, around the group's other members).
    const pairsByGroup = new Map();
    const register = (group, a, b, label) => {
      let pairs = pairsByGroup.get(group);
      if (!pairs) pairsByGroup.set(group, (pairs = new Map()));
      const pairKey = a + ' ' + b;
      let pair = pairs.get(pairKey);
      if (!pair) pairs.set(pairKey, (pair = {from: a, to: b, labels: []}));
      if (label !== null && !pair.labels.includes(label)) pair.labels.push(label);
      return {group, pairKey};
    };
    const edgePlace = edges.map((edge) => {
      const source = model.containerOf(edge.from), target = model.containerOf(edge.to);
      const common = model.commonAncestor(source, target);
      const segments = [];
      for (let g = source; g !== common; g = model.groups[g].parent)
        segments.push(register(g, model.childKeyIn(g, edge.from), EXIT, null));
      const middle = register(common, model.childKeyIn(common, edge.from),
                              model.childKeyIn(common, edge.to), edge.label);
      middle.labelled = true;
      segments.push(middle);
      const down = [];
      for (let g = target; g !== common; g = model.groups[g].parent)
        down.push(register(g, ENTRY, model.childKeyIn(g, edge.to), null));
      return segments.concat(down.reverse());
    });
    const layoutOf = (group) => {
      let result = this.cache.get(group);
      if (!result) {
        result = this.layoutGroup(group, pairsByGroup.get(group) || new Map(), edges, layoutOf);
        this.cache.set(group, result);
      }
      return result;
    };

    const scene = {nodes: [], clusters: [], edges: [], width: 0, height: 0};
    const rects = new Map();    // drawn key -> absolute rect
    const origins = new Map();  // open group -> absolute top-left of its own frame
    const place = (group, x0, y0) => {
      const own = layoutOf(group);
      origins.set(group, {x: x0, y: y0});
      for (const [key, rel] of own.members) {
        const x = x0 + rel.x, y = y0 + rel.y;
        if (key === ENTRY || key === EXIT) continue;
        const index = Number(key.slice(1));
        if (key[0] === 'g' && model.isExpanded(index)) {
          scene.clusters.push({group: index, x, y, width: rel.width, height: rel.height});
          place(index, x, y);
          continue;
        }
        const node = {key, x, y, width: rel.width, height: rel.height};
        if (key[0] === 'g') node.lines = own.boxLines.get(index);
        scene.nodes.push(node);
        rects.set(key, node);
      }
    };
    const root = layoutOf(ROOT);
    place(ROOT, 0, 0);
    scene.width = root.width;
    scene.height = root.height;

    const drawnLabels = new Set();
    edges.forEach((edge, index) => {
      const points = [];
      const drawn = {from: edge.from, to: edge.to, value: edge.value, label: edge.label, points};
      for (const {group, pairKey, labelled} of edgePlace[index]) {
        const route = layoutOf(group).routes.get(pairKey);
        const origin = origins.get(group);
        for (const p of route.points) points.push({x: origin.x + p.x, y: origin.y + p.y});
        const labelKey = group + ' ' + pairKey;
        if (labelled && route.label && !drawnLabels.has(labelKey)) {
          drawnLabels.add(labelKey);
          drawn.labelText = route.label;
          drawn.labelAt = {x: origin.x + route.labelAt.x, y: origin.y + route.labelAt.y};
        }
      }
      scene.edges.push(drawn);
    });
    return scene;
  }

  // One dagre call over an open group's members. Returns its size (with the cluster's margins and
  // name, except for the root), the members' rects and the edges' routes, in its own frame.
  layoutGroup(group, pairs, edges, layoutOf) {
    const model = this.model;
    const g = new Graph();
    g.setGraph({rankdir: this.rankdir, nodesep: 18, ranksep: 24, edgesep: 8, marginx: 0,
                marginy: 0});
    g.setDefaultEdgeLabel(() => ({}));
    const own = model.groups[group];
    const ownBoxLines = new Map();
    for (const child of own.groups) {
      if (model.isExpanded(child)) {
        const inner = layoutOf(child);
        g.setNode(groupKey(child), {width: inner.width, height: inner.height});
      } else {
        const lines = model.boxLines(child, edges);
        ownBoxLines.set(child, lines);
        g.setNode(groupKey(child), boxSize(model.groups[child].name, lines, this.measureText));
      }
    }
    for (const item of own.items) g.setNode(itemKey(item), this.itemSize(item));
    const members = g.nodes();
    let ports = false;
    for (const [pairKey, pair] of pairs) {
      if (pair.from === ENTRY || pair.to === EXIT) {
        if (!g.hasNode(pair.from)) g.setNode(pair.from, {width: 1, height: 1});
        if (!g.hasNode(pair.to)) g.setNode(pair.to, {width: 1, height: 1});
        g.setEdge(pair.from, pair.to, {name: pairKey});
        ports = true;
        continue;
      }
      const label = this.shapes ? edgeLabel(pair.labels) : '';
      const config = {name: pairKey};
      if (label) {
        config.label = label;
        config.width = Math.ceil(this.measureText(label, false) * 0.8) + 4;
        config.height = EDGE_LABEL_HEIGHT;
        config.labelpos = 'r';  // beside the edge, not across it
        config.labeloffset = 3;
      }
      g.setEdge(pair.from, pair.to, config);
    }
    if (ports) {
      // The entry above the sources, the exit below the sinks: no cost for their length.
      for (const key of members) {
        const incoming = (g.inEdges(key) || []).some((e) => e.v !== ENTRY);
        const outgoing = (g.outEdges(key) || []).some((e) => e.w !== EXIT);
        if (g.hasNode(ENTRY) && !incoming && !g.hasEdge(ENTRY, key))
          g.setEdge(ENTRY, key, {weight: 0, minlen: 1});
        if (g.hasNode(EXIT) && !outgoing && !g.hasEdge(key, EXIT))
          g.setEdge(key, EXIT, {weight: 0, minlen: 1});
      }
    }
    if (g.nodeCount() > 0) {
      dagreLayout(g);
      this.layoutCalls += 1;
    }

    // Bounds of everything drawn, then shift into the group's frame.
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const grow = (x, y) => {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    };
    for (const key of g.nodes()) {
      const n = g.node(key);
      grow(n.x - n.width / 2, n.y - n.height / 2);
      grow(n.x + n.width / 2, n.y + n.height / 2);
    }
    for (const e of g.edges()) {
      const edge = g.edge(e);
      for (const p of edge.points || []) grow(p.x, p.y);
      if (edge.label) {
        grow(edge.x - edge.width / 2, edge.y - edge.height / 2);
        grow(edge.x + edge.width / 2, edge.y + edge.height / 2);
      }
    }
    if (minX === Infinity) minX = minY = maxX = maxY = 0;
    const isRoot = group === ROOT;
    const margin = isRoot ? 4 : CLUSTER.margin;
    const top = isRoot ? 4 : CLUSTER.margin + CLUSTER.labelHeight;
    const dx = margin - minX, dy = top - minY;
    const width = Math.max(maxX - minX + 2 * margin,
                           isRoot ? 0 : this.measureText(own.name, true) + 2 * margin);
    const height = maxY - minY + top + margin;


    const rects = new Map();
    for (const key of g.nodes()) {
      const n = g.node(key);
      rects.set(key, {x: n.x - n.width / 2 + dx, y: n.y - n.height / 2 + dy, width: n.width,
                        height: n.height});
    }
    const routes = new Map();
    for (const e of g.edges()) {
      const edge = g.edge(e);
      const route = {points: (edge.points || []).map((p) => ({x: p.x + dx, y: p.y + dy}))};
      if (edge.label) {
        route.label = edge.label;
        route.labelAt = {x: edge.x + dx, y: edge.y + dy};
      }
      if (edge.name) routes.set(edge.name, route);
    }
    return {width, height, members: rects, routes, boxLines: ownBoxLines};
  }
}

function edgeLabel(labels) {
  const shown = labels.filter((l) => l);
  if (shown.length === 0) return '';
  return shown.length === 1 ? shown[0] : shown[0] + ' +' + (shown.length - 1);
}
