// Pure helpers over the report's data (no DOM): formatting, per-layer statistics for the graph
// colouring, list filtering, colour scales. Unit-tested in web/test/report_stats.test.js.

// Statistics the reader can colour the graph by: [key, label, value of one sample].
export const STATISTICS = [
  ['mean', 'mean', (s) => finite(s.mean)],
  ['std', 'std', (s) => finite(s.std)],
  ['zero_fraction', 'zero fraction', (s) => s.zero_fraction],
  ['nonfinite', 'NaN/Inf count', (s) => s.nan_count + s.inf_count],
];

// JSON numbers stay; "nan", "inf", "-inf" (non-finite statistics) become NaN/±Infinity.
export function finite(v) {
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return NaN;
}

// As `run` prints numbers: 4 decimals in [1e-3, 1e5), else 3 significant exponent digits.
export function formatNumber(v) {
  const x = finite(v);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const m = Math.abs(x);
  if (x === 0 || (m >= 1e-3 && m < 1e5)) return x.toFixed(4);
  // C's %.3e: at least two exponent digits.
  return x.toExponential(3).replace(/e([+-])(\d)$/, 'e$10$2');
}

export function formatShape(shape) {
  return '[' + shape.join(',') + ']';
}

export function formatBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

export function formatCount(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' k';
  return String(n);
}

// The sample of `layer` for input `input` (samples are in input order, but a filtered run may
// miss some).
export function sampleOf(layer, input) {
  const s = layer.samples[input];
  if (s && s.input === input) return s;
  return layer.samples.find((x) => x.input === input) || null;
}

// statistic key -> value per layer (NaN where the layer has no sample for that input).
export function layerValues(layers, key, input) {
  const entry = STATISTICS.find((s) => s[0] === key);
  if (!entry) throw new Error('unknown statistic ' + key);
  return layers.map((layer) => {
    const s = sampleOf(layer, input);
    return s ? entry[2](s) : NaN;
  });
}

// Layers whose tensor, node or op matches `text` (case-insensitive substring) and whose op is
// `op` (or any when empty). Returns the indices.
export function filterLayers(layers, text, op) {
  const needle = text.trim().toLowerCase();
  const out = [];
  layers.forEach((layer, i) => {
    if (op && layer.op !== op) return;
    if (needle && !(layer.value.toLowerCase().includes(needle) ||
                    layer.node.toLowerCase().includes(needle) ||
                    layer.op.toLowerCase().includes(needle))) return;
    out.push(i);
  });
  return out;
}

// Viridis-like ramp through 5 stops; t in [0, 1].
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
export function rampColor(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const c = RAMP[i].map((a, k) => Math.round(a + (RAMP[i + 1][k] - a) * f));
  return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}

// Colours for values. Statistics: by rank among the layers' finite values (one outlier, such as
// logits, would otherwise flatten every other layer into one colour); NaN-valued layers grey.
// NaN/Inf counts: red where > 0, pale green where 0.
export function colorScale(values, key) {
  if (key === 'nonfinite') {
    return {colors: values.map((v) => (Number.isNaN(v) ? '#dddddd' : v > 0 ? '#d62728' : '#d8f0d8')),
            min: 0, max: Math.max(0, ...values.filter((v) => !Number.isNaN(v)))};
  }
  const ok = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  const rank = new Map(ok.map((v, i) => [v, ok.length > 1 ? i / (ok.length - 1) : 0.5]));
  return {colors: values.map((v) => (Number.isFinite(v) ? rampColor(rank.get(v)) : '#dddddd')),
          min: ok.length ? ok[0] : 0, max: ok.length ? ok[ok.length - 1] : 0};
}

// Black or white text, whichever reads better on `hex`.
export function textOn(hex) {
  const n = parseInt(hex.slice(1), 16);
  const l = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return l > 140 ? '#000' : '#fff';
}

// Index of each graph item's layer (the first output of its node), or -1.
export function itemLayers(graphData, layers) {
  const byNode = new Map();
  layers.forEach((layer, i) => {
    if (!byNode.has(layer.node)) byNode.set(layer.node, i);
  });
  return graphData.items.map((item) => (item.kind === 'op' && byNode.has(item.name) ? byNode.get(item.name) : -1));
}
