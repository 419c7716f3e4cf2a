// Entry of the page `layerscope graph MODEL -o x.html` writes: the graph panel, a search box and a
// side panel for the selected node. The data is in <script id="layerscope-graph" type=
// "application/json"> (see src/render/graph_html.cpp).
import './graph_page.css';
import {createGraphPanel} from './graph/panel.js';

function element(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function showDetails(details, panel, selection) {
  details.textContent = '';
  if (!selection) {
    details.hidden = true;
    return;
  }
  details.hidden = false;
  const close = element('button', '×', 'close');
  close.title = 'Close';
  close.addEventListener('click', () => panel.select(null));
  details.append(close);
  const item = selection.data;
  details.append(element('h2', item.title));
  details.append(element('div', item.name, 'name'));
  const section = (title, rows) => {
    if (!rows.length) return;
    details.append(element('h3', title));
    const list = element('ul');
    for (const row of rows) list.append(row);
    details.append(list);
  };
  // The box's lines after its name: attributes, then folded weights ("W 64×3×7×7").
  const lines = item.kind === 'op' ? item.lines.filter((line, k) => !(k === 0 && item.name.endsWith(line)))
                                   : item.lines.slice(1);
  section(item.kind === 'op' ? 'Attributes and weights' : 'Value', lines.map((l) => element('li', l)));
  const valueRow = (value, label) => {
    const li = element('li');
    li.append(element('span', value, 'name'), ' ', element('span', label, 'shape'));
    return li;
  };
  section('Inputs', selection.inputs.map((i) => valueRow(i.value, i.label)));
  section('Outputs', selection.outputs.map((o) => valueRow(o.value, o.label)));
}

function start() {
  const data = JSON.parse(document.getElementById('layerscope-graph').textContent);
  document.title = (data.name || 'graph') + ' — layerscope';
  const header = element('header');
  header.append(element('h1', data.name || 'graph'));
  const input = element('input');
  input.type = 'search';
  input.placeholder = 'Search name or op (regex), Enter: next';
  input.id = 'search';
  const status = element('span', '', 'status');
  status.id = 'search-status';
  const fit = element('button', 'Fit');
  const counts = element('span', '', 'status');
  counts.id = 'counts';
  header.append(input, status, fit, counts);
  const main = element('main');
  const graph = element('div');
  graph.id = 'graph';
  const details = element('aside');
  details.id = 'details';
  details.hidden = true;
  main.append(graph, details);
  document.body.append(header, main);

  const describe = (stats) => {
    counts.textContent = `${stats.nodes} nodes, ${stats.openGroups} open groups · ${data.op_count} ops in the model`;
  };
  const panel = createGraphPanel(graph, data, {
    onSelect: (selection) => showDetails(details, panel, selection),
    onRedraw: describe,
  });
  describe(panel.stats());
  window.layerscopeGraph = panel;  // for tests and the console
  fit.addEventListener('click', () => panel.fit());

  let timer = 0;
  let searched = '';
  const runSearch = () => {
    searched = input.value;
    const result = panel.search(input.value);
    input.classList.toggle('bad', Boolean(result.error));
    status.textContent = result.error ? 'bad regex' : input.value.trim() ? `${result.count} found` : '';
    return result;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 150);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    clearTimeout(timer);
    if (searched !== input.value) runSearch();
    const at = panel.next(event.shiftKey ? -1 : 1);
    if (at) status.textContent = `${at.index + 1} / ${at.count}`;
  });
  // Time from navigation until the page answers input (read by bench/graph_page_timing.mjs).
  window.layerscopeReady = {ms: performance.now(), ...panel.stats()};
  document.body.classList.add('ready');
}

start();
