// The graph panel: a model's graph drawn into an element, with pan and zoom, search, selection,
// groups opened and closed in place and (for large drawings) a minimap. Used by the `graph -o
// x.html` page and meant for other pages (the report colours nodes through `nodeStyle`).
//
//   const panel = createGraphPanel(element, data, {
//     onSelect: (selection) => show(selection),       // {item, inputs, outputs} or null
//     nodeStyle: ({item, group}) => ({fill: '#...'}),  // optional colours per box
//   });
//   panel.search('conv'); panel.next();
import {GraphLayout} from './layout.js';
import {GraphModel, groupKey, itemKey} from './model.js';
import {Minimap} from './minimap.js';
import {PanZoom} from './panzoom.js';
import {drawScene, svgElement} from './render.js';
import {compileQuery, findMatches} from './search.js';

let panelCount = 0;

// Text width in px with the page's font, measured on a canvas.
function canvasMeasure() {
  const context = document.createElement('canvas').getContext('2d');
  const cache = new Map();
  return (text, bold) => {
    const key = (bold ? 'b' : 'n') + text;
    let width = cache.get(key);
    if (width === undefined) {
      context.font = (bold ? 'bold ' : '') + '10px Helvetica, Arial, sans-serif';
      width = context.measureText(text).width;
      cache.set(key, width);
    }
    return width;
  };
}

export function createGraphPanel(element, data, options = {}) {
  return new GraphPanel(element, data, options);
}

export class GraphPanel {
  constructor(element, data, options) {
    this.element = element;
    this.data = data;
    this.options = options;
    this.model = new GraphModel(data);
    this.layout = new GraphLayout(this.model, {
      measureText: options.measureText || canvasMeasure(),
      rankdir: data.rankdir,
      shapes: data.shapes,
    });
    this.matches = [];
    this.matchKeys = new Set();
    this.current = -1;
    this.selected = null;

    element.classList.add('ls-graph');
    const id = 'ls-graph-' + ++panelCount;
    this.svg = svgElement('svg', {class: 'ls-graph-svg', width: '100%', height: '100%'});
    element.appendChild(this.svg);
    const defs = svgElement('defs', {}, this.svg);
    this.markerId = id + '-arrow';
    const marker = svgElement('marker', {id: this.markerId, viewBox: '0 0 10 10', refX: 9, refY: 5,
                                         markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
                              defs);
    svgElement('path', {d: 'M0,0L10,5L0,10z', class: 'arrow'}, marker);
    this.layer = svgElement('g', {class: 'viewport'}, this.svg);
    this.minimap = new Minimap(element, {onMove: (x, y) => this.panzoom.centerOn(x, y)});
    this.panzoom = new PanZoom(this.svg, this.layer, {onChange: (view) => this.minimap.setView(view)});
    this.svg.addEventListener('click', (event) => this.onClick(event));
    this.redraw();
    this.panzoom.start(this.scene.width, this.scene.height);
  }

  // Lays out and draws the current state. Returns the scene (boxes, clusters, edges).
  redraw() {
    const started = performance.now();
    this.scene = this.layout.compute();
    this.elements = drawScene(this.layer, this.scene, {
      data: this.data, model: this.model, nodeStyle: this.options.nodeStyle,
      markerId: this.markerId, classesOf: (key) => this.classesOf(key),
    });
    this.minimap.setScene(this.scene, this.data);
    this.lastLayoutMs = performance.now() - started;
    if (this.options.onRedraw) this.options.onRedraw(this.stats());
    return this.scene;
  }

  stats() {
    return {nodes: this.scene.nodes.length, edges: this.scene.edges.length,
            openGroups: this.scene.clusters.length, layoutMs: this.lastLayoutMs};
  }

  classesOf(key) {
    const classes = [];
    if (this.matchKeys.has(key)) classes.push('match');
    if (this.current >= 0 && this.keyOfMatch(this.matches[this.current]) === key)
      classes.push('current');
    if (this.selected === key) classes.push('selected');
    return classes;
  }

  keyOfMatch(match) {
    if (match.item !== undefined) return this.model.keyOfItem(match.item);
    // A group: its box when collapsed (or inside a collapsed one), else nothing to mark.
    let outer = this.model.isExpanded(match.group) ? -1 : match.group;
    for (let g = this.data.groups[match.group].parent; g > 0; g = this.data.groups[g].parent)
      if (!this.model.isExpanded(g)) outer = g;
    return outer < 0 ? null : groupKey(outer);
  }

  refreshMarks() {
    this.matchKeys = new Set();
    for (const m of this.matches) {
      const key = this.keyOfMatch(m);
      if (key) this.matchKeys.add(key);
    }
    for (const [key, element] of this.elements) {
      element.classList.toggle('match', this.matchKeys.has(key));
      element.classList.toggle('selected', this.selected === key);
      element.classList.remove('current');
    }
    if (this.current >= 0) {
      const key = this.keyOfMatch(this.matches[this.current]);
      const element = key && this.elements.get(key);
      if (element) element.classList.add('current');
    }
    const matchedGroups = new Set();
    for (const m of this.matches) if (m.group !== undefined) matchedGroups.add(m.group);
    const currentGroup = this.current >= 0 ? this.matches[this.current].group : undefined;
    for (const cluster of this.layer.querySelectorAll('.cluster')) {
      const group = Number(cluster.dataset.group);
      cluster.classList.toggle('current', currentGroup === group);
      cluster.classList.toggle('match', matchedGroups.has(group));
    }
  }

  // Opens or closes a group in place and lays out again what is around it.
  toggleGroup(group, open = !this.model.isExpanded(group)) {
    if (!this.model.setExpanded(group, open)) return;
    this.layout.invalidateAround(group);
    this.redrawKeeping(groupKey(group), open ? null : group);
  }

  // Redraws, keeping the group's box (or cluster) where it was on the screen.
  redrawKeeping(key, clusterGroup) {
    const before = this.anchorOf(key, clusterGroup);
    this.redraw();
    this.refreshMarks();
    const after = this.anchorOf(key, clusterGroup === null ? Number(key.slice(1)) : null) ||
                  this.anchorOf(key, null);
    if (before && after) {
      this.panzoom.x += (before.x - after.x) * this.panzoom.k;
      this.panzoom.y += (before.y - after.y) * this.panzoom.k;
      this.panzoom.apply();
    }
  }

  anchorOf(key, clusterGroup) {
    if (clusterGroup !== null && clusterGroup !== undefined) {
      const c = this.scene.clusters.find((cl) => cl.group === clusterGroup);
      if (c) return {x: c.x, y: c.y};
    }
    const n = this.scene.nodes.find((node) => node.key === key);
    return n ? {x: n.x, y: n.y} : null;
  }

  onClick(event) {
    const head = event.target.closest('.cluster-head');
    if (head) {
      this.toggleGroup(Number(head.dataset.group), false);
      return;
    }
    const node = event.target.closest('.node');
    if (!node) {
      this.select(null);
      return;
    }
    const key = node.dataset.key;
    if (key[0] === 'g') this.toggleGroup(Number(key.slice(1)), true);
    else this.select(Number(key.slice(1)));
  }

  // Selects an item (or nothing): marks it and tells onSelect its inputs and outputs.
  select(item) {
    this.selected = item === null ? null : itemKey(item);
    this.refreshMarks();
    if (!this.options.onSelect) return;
    if (item === null) {
      this.options.onSelect(null);
      return;
    }
    const inputs = [], outputs = [];
    const seenIn = new Set(), seenOut = new Set();
    for (const edge of this.data.edges) {
      if (edge.to === item && !seenIn.has(edge.value)) {
        seenIn.add(edge.value);
        inputs.push({value: edge.value, label: edge.label, from: edge.from});
      }
      if (edge.from === item && !seenOut.has(edge.value)) {
        seenOut.add(edge.value);
        outputs.push({value: edge.value, label: edge.label, to: []});
      }
      if (edge.from === item) outputs.find((o) => o.value === edge.value).to.push(edge.to);
    }
    this.options.onSelect({item, data: this.data.items[item], inputs, outputs});
  }

  // Marks every match of a regex query. Returns {count} or {error} for a bad expression.
  search(text) {
    let regex;
    try {
      regex = compileQuery(text);
    } catch (error) {
      this.matches = [];
      this.current = -1;
      this.refreshMarks();
      return {count: 0, error: error.message};
    }
    this.matches = findMatches(this.data, regex);
    this.current = -1;
    this.refreshMarks();
    return {count: this.matches.length};
  }

  // Jumps to the next match: opens the groups around it and centres it. Returns its position.
  next(step = 1) {
    if (this.matches.length === 0) return null;
    const n = this.matches.length;
    this.current = ((this.current + step) % n + n) % n;
    const match = this.matches[this.current];
    const opened = this.model.reveal(match);
    for (const g of opened) this.layout.invalidateAround(g);
    if (opened.length) this.redraw();
    this.refreshMarks();
    const key = this.keyOfMatch(match);
    const target = key ? this.scene.nodes.find((node) => node.key === key)
                       : this.scene.clusters.find((c) => c.group === match.group);
    if (target) this.panzoom.centerOn(target.x + target.width / 2, target.y + target.height / 2,
                                      Math.max(this.panzoom.k, 0.8));
    return {index: this.current, count: n, match};
  }

  fit() {
    this.panzoom.fit(this.scene.width, this.scene.height);
  }
}
