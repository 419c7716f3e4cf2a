// The layer list, virtualized: only the rows in view (plus a margin) exist in the DOM, so models
// with thousands of layers scroll and filter without delay.
export const ROW_HEIGHT = 30;

export class VirtualList {
  // renderRow(index into `rows`, element) fills a row; onClick(row value) on a click.
  constructor(container, {renderRow, onClick}) {
    this.container = container;
    this.renderRow = renderRow;
    this.rows = [];
    this.selected = -1;
    container.classList.add('vlist');
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    container.append(this.spacer);
    this.pool = new Map();  // row position -> element
    container.addEventListener('scroll', () => this.update());
    container.addEventListener('click', (event) => {
      const row = event.target.closest('.vrow');
      if (row) onClick(Number(row.dataset.value));
    });
    new ResizeObserver(() => this.update()).observe(container);
  }

  setRows(rows) {
    this.rows = rows;
    this.spacer.style.height = rows.length * ROW_HEIGHT + 'px';
    for (const e of this.pool.values()) e.remove();
    this.pool.clear();
    this.update();
  }

  // Re-renders the rows in view (e.g. after the shown input changed).
  refresh() {
    for (const e of this.pool.values()) e.remove();
    this.pool.clear();
    this.update();
  }

  setSelected(value) {
    this.selected = value;
    for (const e of this.pool.values()) e.classList.toggle('selected', Number(e.dataset.value) === value);
  }

  scrollTo(value) {
    const at = this.rows.indexOf(value);
    if (at < 0) return;
    const top = at * ROW_HEIGHT;
    if (top < this.container.scrollTop || top + ROW_HEIGHT > this.container.scrollTop + this.container.clientHeight)
      this.container.scrollTop = Math.max(0, top - this.container.clientHeight / 2);
    this.update();
  }

  update() {
    const height = this.container.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.container.scrollTop / ROW_HEIGHT) - 10);
    const last = Math.min(this.rows.length, Math.ceil((this.container.scrollTop + height) / ROW_HEIGHT) + 10);
    for (const [position, e] of this.pool) {
      if (position < first || position >= last) {
        e.remove();
        this.pool.delete(position);
      }
    }
    for (let position = first; position < last; ++position) {
      if (this.pool.has(position)) continue;
      const e = document.createElement('div');
      e.className = 'vrow';
      e.style.top = position * ROW_HEIGHT + 'px';
      e.style.height = ROW_HEIGHT + 'px';
      const value = this.rows[position];
      e.dataset.value = value;
      if (value === this.selected) e.classList.add('selected');
      this.renderRow(value, e);
      this.spacer.append(e);
      this.pool.set(position, e);
    }
  }
}
