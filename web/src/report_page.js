// Entry of the page `layerscope report MODEL -o x.html` writes: the model summary, the graph
// coloured by a statistic, a filterable (virtualized) layer list with a histogram per layer, and
// the selected layer's panel: statistics per input, histogram, feature maps, scatter of its
// activations over the inputs. Data: <script id="layerscope-graph"> (the graph page's JSON) and
// <script id="layerscope-report"> (src/report/report_page.cpp).
import './report_page.css';
import {createGraphPanel} from './graph/panel.js';
import {histogramSvg, scatterSvg} from './report/charts.js';
import {ROW_HEIGHT, VirtualList} from './report/list.js';
import {STATISTICS, colorScale, filterLayers, formatBytes, formatCount, formatNumber, formatShape,
        itemLayers, layerValues, sampleOf, textOn} from './report/stats.js';

function element(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function select(options, id, label) {
  const wrap = element('label', label);
  const s = element('select');
  s.id = id;
  for (const [value, text] of options) {
    const o = element('option', text);
    o.value = value;
    s.append(o);
  }
  wrap.append(s);
  return {wrap, select: s};
}

function table(headers, rows, className) {
  const t = element('table', null, className);
  const head = element('tr');
  for (const h of headers) head.append(element('th', h));
  t.append(head);
  for (const row of rows) {
    const tr = element('tr');
    for (const cell of row.cells) tr.append(cell instanceof Node ? wrapCell(cell) : element('td', cell));
    if (row.className) tr.className = row.className;
    t.append(tr);
  }
  return t;
}

function wrapCell(node) {
  const td = element('td');
  td.append(node);
  return td;
}

function start() {
  const graphData = JSON.parse(document.getElementById('layerscope-graph').textContent);
  const report = JSON.parse(document.getElementById('layerscope-report').textContent);
  const layers = report.layers;
  const inputs = report.inputs;
  const bad = report.first_nonfinite;
  const state = {statistic: 'mean', input: 0, layer: -1, colors: [], scatter: 'pca'};
  const itemLayer = itemLayers(graphData, layers);
  const layerItem = new Map();
  itemLayer.forEach((layer, item) => {
    if (layer >= 0 && !layerItem.has(layer)) layerItem.set(layer, item);
  });
  if (bad && layerItem.has(bad.layer)) graphData.items[layerItem.get(bad.layer)].highlighted = true;

  document.title = (report.model.name || 'model') + ' — layerscope report';
  const header = element('header');
  const file = report.model.path.split('/').pop();
  const title = element('h1', report.model.name ? `${report.model.name} · ${file}` : file);
  title.title = report.model.path;
  header.append(title);
  const statisticSelect = select(STATISTICS.map(([k, label]) => [k, label]), 'statistic', 'Colour by ');
  const inputSelect = select(inputs.map((input, i) => [i, input.name + (input.label ? ' (' + input.label + ')' : '')]),
                             'input', 'Input ');
  const legend = element('span', '', 'legend');
  legend.id = 'legend';
  header.append(statisticSelect.wrap, inputSelect.wrap, legend);
  document.body.append(header);
  if (bad) {
    const banner = element('div', null, 'banner');
    banner.id = 'nonfinite-banner';
    const layer = layers[bad.layer];
    banner.append('First NaN/Inf: ', element('b', layer.value), ` (${layer.op}, node ${layer.node}) for input ${inputs[bad.input].name}. `);
    const go = element('button', 'Show');
    go.addEventListener('click', () => {
      setInput(bad.input);
      selectLayer(bad.layer, true);
    });
    banner.append(go);
    document.body.append(banner);
  }

  const main = element('main');
  const side = element('section', null, 'side');
  const search = element('input');
  search.type = 'search';
  search.id = 'layer-search';
  search.placeholder = 'Filter layers by name or op';
  const ops = [...new Set(layers.map((l) => l.op))].sort();
  const opSelect = select([['', 'all ops'], ...ops.map((o) => [o, o])], 'op-filter', '');
  const count = element('div', '', 'count');
  count.id = 'layer-count';
  const listBox = element('div');
  listBox.id = 'layer-list';
  side.append(search, opSelect.wrap, count, listBox);
  const graph = element('div');
  graph.id = 'graph';
  const panel = element('aside');
  panel.id = 'panel';
  main.append(side, graph, panel);
  document.body.append(main);
  const overlay = element('div', null, 'overlay');
  overlay.id = 'overlay';
  overlay.hidden = true;
  overlay.addEventListener('click', () => (overlay.hidden = true));
  document.body.append(overlay);

  const list = new VirtualList(listBox, {
    renderRow: (index, row) => {
      const layer = layers[index];
      const s = sampleOf(layer, state.input);
      row.classList.toggle('nonfinite', Boolean(s && s.nan_count + s.inf_count > 0));
      row.classList.toggle('first-nonfinite', Boolean(bad && bad.layer === index));
      const swatch = element('span', '', 'swatch');
      swatch.style.background = state.colors[index] || '#ddd';
      const names = element('span', null, 'names');
      names.append(element('span', layer.value, 'value'), element('span', layer.op, 'op'));
      names.title = layer.value + '\n' + layer.node + ' (' + layer.op + ')';
      row.append(swatch, names, histogramSvg(s && s.histogram, {width: 72, height: ROW_HEIGHT - 8, small: true}));
    },
    onClick: (index) => selectLayer(index, true),
  });

  let syncing = false;
  const graphPanel = createGraphPanel(graph, graphData, {
    nodeStyle: ({item}) => {
      if (item === undefined || itemLayer[item] < 0) return null;
      const fill = state.colors[itemLayer[item]];
      return fill ? {fill, text: textOn(fill)} : null;
    },
    onSelect: (selection) => {
      if (syncing || !selection) return;
      const layer = itemLayer[selection.item];
      if (layer >= 0) selectLayer(layer, false);
    },
  });
  window.layerscopeGraph = graphPanel;

  function recolor() {
    const values = layerValues(layers, state.statistic, state.input);
    const scale = colorScale(values, state.statistic);
    state.colors = scale.colors;
    for (const [key, g] of graphPanel.elements) {
      if (key[0] !== 'i') continue;
      const layer = itemLayer[Number(key.slice(1))];
      if (layer < 0) continue;
      const fill = state.colors[layer];
      g.querySelector('.box').setAttribute('fill', fill);
      g.querySelector('text').setAttribute('fill', textOn(fill));
      g.dataset.statistic = String(values[layer]);
    }
    legend.textContent = state.statistic === 'nonfinite'
        ? 'red: holds NaN/Inf · green: none · grey: not observed'
        : `${formatNumber(scale.min)} → ${formatNumber(scale.max)}, by rank (grey: not observed)`;
    legend.style.setProperty('--ramp', 'linear-gradient(90deg,#440154,#3b528b,#21918c,#5ec962,#fde725)');
    legend.classList.toggle('ramp', state.statistic !== 'nonfinite');
    list.refresh();
  }

  function applyFilter() {
    const rows = filterLayers(layers, search.value, opSelect.select.value);
    list.setRows(rows);
    count.textContent = `${rows.length} of ${layers.length} layer outputs`;
  }

  function setInput(input) {
    state.input = input;
    inputSelect.select.value = String(input);
    recolor();
    if (state.layer >= 0) showLayer(state.layer);
  }

  function selectLayer(index, fromList) {
    state.layer = index;
    list.setSelected(index);
    list.scrollTo(index);
    showLayer(index);
    const item = layerItem.get(index);
    if (fromList && item !== undefined) {
      syncing = true;
      const opened = graphPanel.model.reveal({item});
      for (const g of opened) graphPanel.layout.invalidateAround(g);
      if (opened.length) {
        graphPanel.redraw();
        recolor();
      }
      graphPanel.select(item);
      syncing = false;
      const node = graphPanel.scene.nodes.find((n) => n.key === 'i' + item);
      if (node) graphPanel.panzoom.centerOn(node.x + node.width / 2, node.y + node.height / 2,
                                            Math.max(graphPanel.panzoom.k, 0.8));
    }
  }

  function showSummary() {
    const m = report.model;
    const section = element('details', null, 'summary');
    section.open = state.layer < 0;
    section.id = 'model-summary';
    section.append(element('summary', 'Model'));
    const rows = [
      ['File', m.path], ['Producer', m.producer || '—'], ['IR version', String(m.ir_version)],
      ['Opsets', Object.entries(m.opsets).map(([d, v]) => d + ' ' + v).join(', ')],
      ['Nodes', String(m.nodes)],
      ['Parameters', `${formatCount(m.parameters)} (${formatBytes(m.parameter_bytes)})`],
      ['MACs', formatCount(m.macs) + (m.nodes_without_macs ? ` (+${m.nodes_without_macs} nodes unknown)` : '')],
      ['Inputs run', String(inputs.length)],
    ];
    section.append(table(['', ''], rows.map(([k, v]) => ({cells: [k, v]})), 'kv'));
    const io = (title, values) => {
      section.append(element('h3', title));
      section.append(table(['name', 'dtype', 'shape'], values.map((v) => ({
        cells: [v.name, v.dtype, v.shape ? formatShape(v.shape) : '?']}))));
    };
    io('Inputs', m.inputs);
    io('Outputs', m.outputs);
    section.append(element('h3', 'What was summarized'));
    const notes = element('ul', null, 'notes');
    notes.id = 'summarized';
    for (const note of report.summarized) notes.append(element('li', note));
    section.append(notes);
    return section;
  }

  function showLayer(index) {
    panel.textContent = '';
    panel.append(showSummary());
    if (index < 0) return;
    const layer = layers[index];
    const box = element('section', null, 'layer');
    box.id = 'layer-panel';
    box.append(element('h2', layer.value, 'value'));
    box.append(element('div', `${layer.op} · node ${layer.node}`, 'node'));
    const rows = layer.samples.map((s) => ({
      className: (s.input === state.input ? 'current' : '') + (s.nan_count + s.inf_count ? ' nonfinite' : ''),
      cells: [inputs[s.input].name, formatShape(s.shape), s.dtype, formatNumber(s.min), formatNumber(s.max),
              formatNumber(s.mean), formatNumber(s.std), (100 * s.zero_fraction).toFixed(2) + '%',
              String(s.nan_count), String(s.inf_count)],
    }));
    box.append(element('h3', 'Statistics per input'));
    const statsTable = table(['input', 'shape', 'dtype', 'min', 'max', 'mean', 'std', 'zeros', 'NaN', 'Inf'], rows, 'stats');
    statsTable.id = 'layer-stats';
    const scroll = element('div', null, 'table-scroll');
    scroll.append(statsTable);
    box.append(scroll);

    const s = sampleOf(layer, state.input);
    box.append(element('h3', `Histogram · ${inputs[state.input].name}`));
    box.append(s && s.histogram ? histogramSvg(s.histogram, {width: 380, height: 140, format: formatNumber})
                                : element('p', s && s.nan_count + s.inf_count === s.count
                                                   ? 'No histogram: no finite values.'
                                                   : 'No histogram kept for this input (size budget).', 'note'));

    if (s && s.maps) {
      const map = layer.map;
      box.append(element('h3', `Feature maps · first ${s.maps.length} channels (${map.height}×${map.width}` +
                                (map.thumbnail_width < map.width ? `, shown at ${map.thumbnail_height}×${map.thumbnail_width}` : '') + ')'));
      const grid = element('div', null, 'maps');
      s.maps.forEach((png, c) => {
        const figure = element('figure');
        const img = element('img');
        img.src = 'data:image/png;base64,' + png;
        img.alt = 'channel ' + c;
        img.addEventListener('click', () => {
          overlay.textContent = '';
          const big = element('img');
          big.src = img.src;
          overlay.append(big, element('div', `${layer.value} · channel ${c} · ${inputs[state.input].name} (click to close)`));
          overlay.hidden = false;
        });
        figure.append(img, element('figcaption', 'c' + c));
        grid.append(figure);
      });
      box.append(grid);
    } else if (layer.map) {
      box.append(element('p', 'Feature maps are kept for the first inputs only.', 'note'));
    }

    if (inputs.length > 1) {
      const scatter = layer.scatter;
      box.append(element('h3', 'Activations over the inputs'));
      if (scatter.skipped) {
        box.append(element('p', 'No scatter: ' + scatter.skipped, 'note'));
      } else {
        const methods = [['pca', 'PCA'], ...(scatter.tsne && !scatter.tsne.skipped ? [['tsne', 't-SNE']] : [])];
        const method = methods.some(([k]) => k === state.scatter) ? state.scatter : 'pca';
        const switcher = element('div', null, 'switch');
        for (const [key, label] of methods) {
          const b = element('button', label);
          b.classList.toggle('on', key === method);
          b.addEventListener('click', () => {
            state.scatter = key;
            showLayer(index);
          });
          switcher.append(b);
        }
        box.append(switcher);
        const points = scatter[method];
        box.append(scatterSvg(points, inputs.map((i) => i.label), inputs.map((i) => i.name), {width: 380, height: 260}));
        if (method === 'pca' && points.explained)
          box.append(element('p', 'explained variance: ' + points.explained.map((v) => (100 * v).toFixed(1) + '%').join(', '), 'note'));
      }
    }
    panel.append(box);
  }

  statisticSelect.select.addEventListener('change', () => {
    state.statistic = statisticSelect.select.value;
    recolor();
  });
  inputSelect.select.addEventListener('change', () => setInput(Number(inputSelect.select.value)));
  let timer = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(applyFilter, 100);
  });
  opSelect.select.addEventListener('change', applyFilter);

  if (bad) {
    state.input = bad.input;
    inputSelect.select.value = String(bad.input);
  }
  recolor();
  applyFilter();
  showLayer(-1);
  // Time from navigation until the page answers input (read by the browser test and bench).
  window.layerscopeReady = {ms: performance.now(), layers: layers.length, ...graphPanel.stats()};
  document.body.classList.add('ready');
}

start();
