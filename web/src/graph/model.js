// The graph page's data and its open/closed state, without any drawing.
//
// `data` is what src/render/graph_html.cpp writes: the model's view at full depth (every group
// open, every op an item) plus the groups open at first. The model answers which boxes are drawn
// for the current state: items inside an open group, one box per collapsed group whose parent is
// open, and the edges between them, redirected to the box of the outermost collapsed group that
// holds their ends (one edge per value, source box and target box, as the C++ view draws them).

export const ROOT = 0;

// Keys of drawn boxes: "i<item>" for an item, "g<group>" for a collapsed group's box.
export const itemKey = (index) => 'i' + index;
export const groupKey = (index) => 'g' + index;

export class GraphModel {
  constructor(data) {
    this.data = data;
    this.groups = data.groups;
    this.items = data.items;
    this.edges = data.edges;
    this.expanded = this.groups.map((g, index) => index === ROOT || Boolean(g.expanded));
    // Group depth, for lowest common ancestors; groups are numbered parents first.
    this.level = this.groups.map((g) => g.level);
    this.highlightedInside = this.groups.map(() => false);
    this.itemsInside = this.groups.map(() => 0);
    for (let i = 0; i < this.items.length; ++i) {
      for (let g = this.items[i].parent; g >= 0; g = this.groups[g].parent) {
        this.itemsInside[g] += 1;
        if (this.items[i].highlighted) this.highlightedInside[g] = true;
      }
    }
  }

  isExpanded(group) {
    return this.expanded[group];
  }

  // Opens or closes a group; closing the root is ignored. Returns whether anything changed.
  setExpanded(group, open) {
    if (group === ROOT || this.expanded[group] === open) return false;
    this.expanded[group] = open;
    return true;
  }

  // Opens every group around an item or group, so that it is drawn; returns the groups opened.
  reveal({item, group}) {
    const opened = [];
    let g = item !== undefined ? this.items[item].parent : this.groups[group].parent;
    for (; g > ROOT; g = this.groups[g].parent) {
      if (!this.expanded[g]) {
        this.expanded[g] = true;
        opened.push(g);
      }
    }
    return opened;
  }

  // The group whose box stands for `item` (the outermost collapsed one around it), or -1 when the
  // item itself is drawn.
  collapsedAround(item) {
    let outer = -1;
    for (let g = this.items[item].parent; g > ROOT; g = this.groups[g].parent)
      if (!this.expanded[g]) outer = g;
    return outer;
  }

  // A group is drawn as a box when it is closed and every group around it is open.
  isBox(group) {
    if (group === ROOT || this.expanded[group]) return false;
    for (let g = this.groups[group].parent; g > ROOT; g = this.groups[g].parent)
      if (!this.expanded[g]) return false;
    return true;
  }

  // The group that contains a drawn box (items: their parent; group boxes: the group's parent).
  containerOf(key) {
    const index = Number(key.slice(1));
    return key[0] === 'i' ? this.items[index].parent : this.groups[index].parent;
  }

  keyOfItem(item) {
    const box = this.collapsedAround(item);
    return box < 0 ? itemKey(item) : groupKey(box);
  }

  // What is drawn directly inside an open group: its items and its child groups (open ones as
  // nested clusters, closed ones as boxes).
  childrenOf(group) {
    const g = this.groups[group];
    return {items: g.items, groups: g.groups};
  }

  // Drawn edges for the current state: [{from, to, value, label, edges: [indices into data]}].
  visibleEdges() {
    const keyOf = new Array(this.items.length);
    for (let i = 0; i < this.items.length; ++i) keyOf[i] = this.keyOfItem(i);
    const byKey = new Map();
    const result = [];
    this.edges.forEach((edge, index) => {
      const from = keyOf[edge.from];
      const to = keyOf[edge.to];
      if (from === to) return;
      const key = from + ' ' + to + ' ' + edge.value;
      let drawn = byKey.get(key);
      if (!drawn) {
        drawn = {from, to, value: edge.value, label: edge.label, edges: []};
        byKey.set(key, drawn);
        result.push(drawn);
      }
      drawn.edges.push(index);
    });
    return result;
  }

  // Every drawn box key for the current state, in the order of the groups and items.
  visibleKeys() {
    const keys = [];
    const visit = (group) => {
      for (const child of this.groups[group].groups) {
        if (this.expanded[child]) visit(child);
        else keys.push(groupKey(child));
      }
      for (const item of this.groups[group].items) keys.push(itemKey(item));
    };
    visit(ROOT);
    return keys;
  }

  // The deepest group holding both groups.
  commonAncestor(a, b) {
    while (a !== b) {
      if (this.level[a] >= this.level[b]) a = this.groups[a].parent;
      else b = this.groups[b].parent;
    }
    return a;
  }

  // The key of what stands for a drawn box inside `group` (which holds it): the box itself when
  // it sits directly in the group, else the child group on its way up.
  childKeyIn(group, key) {
    let container = this.containerOf(key);
    if (container === group) return key;
    let child = container;
    while (this.groups[child].parent !== group) child = this.groups[child].parent;
    return groupKey(child);
  }

  // A collapsed group's box text, in the C++ view's words: op counts and the shapes that enter
  // and leave it (each value once).
  boxLines(group, visibleEdges, maxLineChars = 64, maxShapes = 3) {
    const g = this.groups[group];
    const lines = [g.op_total + (g.op_total === 1 ? ' op' : ' ops')];
    const counts = Object.entries(g.op_counts);
    counts.sort((a, b) => b[1] - a[1]);  // stable: ties keep the op-name order
    let line = '';
    for (const [op, count] of counts) {
      const part = count + ' ' + op;
      if (line && line.length + part.length + 2 > maxLineChars) {
        lines.push(cut(line, maxLineChars));
        line = '';
        if (lines.length >= 4) break;
      }
      line += (line ? ', ' : '') + part;
    }
    if (line && lines.length < 5) lines.push(cut(line, maxLineChars));
    const key = groupKey(group);
    const ins = [], outs = [];
    const seenIn = new Set(), seenOut = new Set();
    for (const edge of visibleEdges) {
      if (edge.to === key && !seenIn.has(edge.value)) {
        seenIn.add(edge.value);
        ins.push(edge.label);
      }
      if (edge.from === key && !seenOut.has(edge.value)) {
        seenOut.add(edge.value);
        outs.push(edge.label);
      }
    }
    const list = (prefix, shapes) => {
      for (let k = 0; k < shapes.length && k < maxShapes; ++k)
        lines.push(cut(prefix + shapes[k], maxLineChars));
      if (shapes.length > maxShapes) lines.push(prefix + '+' + (shapes.length - maxShapes) + ' more');
    };
    list('in ', ins);
    list('out ', outs);
    return lines;
  }
}

function cut(text, maxChars) {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : chars.slice(0, maxChars - 1).join('') + '…';
}
