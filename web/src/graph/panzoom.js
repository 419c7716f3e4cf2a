// Pan (drag) and zoom (wheel, around the pointer) of one SVG layer. A press that moves less than
// a few pixels is a click, and is passed on; a drag is not.
const MIN_SCALE = 0.02;
const MAX_SCALE = 8;
const DRAG_THRESHOLD = 4;

export class PanZoom {
  constructor(svg, layer, {onChange} = {}) {
    this.svg = svg;
    this.layer = layer;
    this.onChange = onChange || (() => {});
    this.x = 0;
    this.y = 0;
    this.k = 1;
    this.dragging = null;
    this.suppressClick = false;
    svg.addEventListener('wheel', (event) => this.onWheel(event), {passive: false});
    svg.addEventListener('pointerdown', (event) => this.onDown(event));
    svg.addEventListener('pointermove', (event) => this.onMove(event));
    svg.addEventListener('pointerup', (event) => this.onUp(event));
    svg.addEventListener('pointercancel', (event) => this.onUp(event));
    // Swallows the click that ends a drag, before any handler of the drawing sees it.
    svg.addEventListener('click', (event) => {
      if (this.suppressClick) {
        event.stopPropagation();
        event.preventDefault();
        this.suppressClick = false;
      }
    }, true);
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return {width: r.width, height: r.height};
  }

  apply() {
    this.layer.setAttribute('transform', `translate(${this.x},${this.y}) scale(${this.k})`);
    this.onChange(this.view());
  }

  // The visible part of the drawing, in drawing coordinates.
  view() {
    const {width, height} = this.size();
    return {x: -this.x / this.k, y: -this.y / this.k, width: width / this.k,
            height: height / this.k, scale: this.k};
  }

  zoomAt(factor, px, py) {
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.k * factor));
    this.x = px - (px - this.x) * (k / this.k);
    this.y = py - (py - this.y) * (k / this.k);
    this.k = k;
    this.apply();
  }

  // Puts drawing point (x, y) in the middle of the view, keeping the scale unless given.
  centerOn(x, y, scale) {
    if (scale) this.k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    const {width, height} = this.size();
    this.x = width / 2 - x * this.k;
    this.y = height / 2 - y * this.k;
    this.apply();
  }

  // Scales a drawing of this size to fit (never above 1: text stays its size), top centred.
  fit(drawingWidth, drawingHeight) {
    const {width, height} = this.size();
    const k = Math.min(1, (width - 20) / Math.max(1, drawingWidth),
                       (height - 20) / Math.max(1, drawingHeight));
    this.k = Math.max(MIN_SCALE, k);
    this.x = (width - drawingWidth * this.k) / 2;
    this.y = 10;
    this.apply();
  }

  // The first view: the whole drawing when it fits at a readable scale, else its top at that
  // scale (the minimap shows the rest).
  start(drawingWidth, drawingHeight, readable = 0.6) {
    this.fit(drawingWidth, drawingHeight);
    if (this.k >= readable) return;
    const {width} = this.size();
    this.k = readable;
    this.x = Math.max(10, (width - drawingWidth * this.k) / 2);
    this.y = 10;
    this.apply();
  }

  onWheel(event) {
    event.preventDefault();
    const r = this.svg.getBoundingClientRect();
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    this.zoomAt(Math.exp(-delta * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }

  onDown(event) {
    if (event.button !== 0) return;
    this.suppressClick = false;  // a drag that ended outside the drawing fires no click
    this.dragging = {id: event.pointerId, startX: event.clientX, startY: event.clientY,
                     x: this.x, y: this.y, moved: false};
  }

  onMove(event) {
    const d = this.dragging;
    if (!d || d.id !== event.pointerId) return;
    const dx = event.clientX - d.startX, dy = event.clientY - d.startY;
    if (!d.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    if (!d.moved) {
      d.moved = true;
      this.svg.setPointerCapture(event.pointerId);
      this.svg.classList.add('dragging');
    }
    this.x = d.x + dx;
    this.y = d.y + dy;
    this.apply();
  }

  onUp(event) {
    const d = this.dragging;
    if (!d || d.id !== event.pointerId) return;
    this.dragging = null;
    if (d.moved) {
      this.suppressClick = true;
      this.svg.classList.remove('dragging');
      if (this.svg.hasPointerCapture(event.pointerId)) this.svg.releasePointerCapture(event.pointerId);
    }
  }
}
