// Hand-written SVG charts: a histogram (small in the list, large in the panel) and a scatter.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attributes = {}, parent = null) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, content, attributes = {}) {
  const t = el('text', {x, y, ...attributes}, parent);
  t.textContent = content;
  return t;
}

// Bars of `counts`, heights by sqrt so small bins stay visible; `small` drops axes.
export function histogramSvg(histogram, {width, height, small = false, format = String}) {
  const svg = el('svg', {width, height, viewBox: `0 0 ${width} ${height}`, class: small ? 'hist small' : 'hist'});
  if (!histogram || !histogram.counts.length) {
    if (!small) text(svg, width / 2, height / 2, 'no histogram', {'text-anchor': 'middle', class: 'note'});
    return svg;
  }
  const pad = small ? {l: 0, r: 0, t: 1, b: 1} : {l: 36, r: 8, t: 8, b: 22};
  const w = width - pad.l - pad.r, h = height - pad.t - pad.b;
  const counts = histogram.counts;
  const top = Math.max(1, ...counts);
  const bw = w / counts.length;
  let d = '';
  counts.forEach((c, i) => {
    if (!c) return;
    const bh = Math.max(1, (Math.sqrt(c) / Math.sqrt(top)) * h);
    d += `M${(pad.l + i * bw).toFixed(2)},${(pad.t + h).toFixed(2)}h${Math.max(0.8, bw - (small ? 0 : 0.5)).toFixed(2)}v${(-bh).toFixed(2)}h${(-Math.max(0.8, bw - (small ? 0 : 0.5))).toFixed(2)}z`;
  });
  el('path', {d, class: 'bars'}, svg);
  if (!small) {
    el('line', {x1: pad.l, y1: pad.t + h, x2: pad.l + w, y2: pad.t + h, class: 'axis'}, svg);
    text(svg, pad.l, height - 6, format(histogram.min), {class: 'tick'});
    text(svg, pad.l + w, height - 6, format(histogram.max), {class: 'tick', 'text-anchor': 'end'});
    text(svg, pad.l - 4, pad.t + 8, String(top), {class: 'tick', 'text-anchor': 'end'});
    text(svg, pad.l - 4, pad.t + h, '0', {class: 'tick', 'text-anchor': 'end'});
  }
  return svg;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                 '#7f7f7f', '#bcbd22', '#17becf'];

// Points {x, y} coloured by label (categorical), with a legend; `names` titles each point.
export function scatterSvg(points, labels, names, {width, height}) {
  const svg = el('svg', {width, height, viewBox: `0 0 ${width} ${height}`, class: 'scatter'});
  const distinct = [...new Set(labels.map((l) => (l === null || l === undefined ? '' : String(l))))].sort(
      (a, b) => (isFinite(a) && isFinite(b) && a !== '' && b !== '' ? a - b : a.localeCompare(b)));
  const legendWidth = distinct.length > 1 || distinct[0] !== '' ? 80 : 0;
  const pad = 10, w = width - 2 * pad - legendWidth, h = height - 2 * pad;
  const xs = points.x, ys = points.y;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (v) => pad + (x1 > x0 ? ((v - x0) / (x1 - x0)) * w : w / 2);
  const sy = (v) => pad + h - (y1 > y0 ? ((v - y0) / (y1 - y0)) * h : h / 2);
  el('rect', {x: pad, y: pad, width: w, height: h, class: 'frame'}, svg);
  const colorOf = new Map(distinct.map((l, i) => [l, PALETTE[i % PALETTE.length]]));
  xs.forEach((x, i) => {
    const label = labels[i] === null || labels[i] === undefined ? '' : String(labels[i]);
    const c = el('circle', {cx: sx(x).toFixed(1), cy: sy(ys[i]).toFixed(1), r: 4, fill: colorOf.get(label), class: 'point'}, svg);
    const t = el('title', {}, c);
    t.textContent = names[i] + (label ? ' — ' + label : '');
  });
  if (legendWidth) {
    distinct.slice(0, 16).forEach((l, i) => {
      el('circle', {cx: width - legendWidth + 8, cy: pad + 8 + i * 15, r: 4, fill: colorOf.get(l)}, svg);
      text(svg, width - legendWidth + 16, pad + 12 + i * 15, l || '(none)', {class: 'tick'});
    });
  }
  return svg;
}
