// A small overview of a large drawing in the panel's corner: every box as a dot of its colour, the
// visible part as a frame. Clicking or dragging on it moves the view there.
const MAX_SIDE = 180;
const MIN_SIDE = 48;  // a very tall or wide drawing is stretched across, not drawn as a thin line

export class Minimap {
  constructor(container, {onMove}) {
    this.container = container;
    this.onMove = onMove;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'ls-minimap';
    this.canvas.hidden = true;
    container.appendChild(this.canvas);
    this.scene = null;
    this.view = null;
    this.scaleX = this.scaleY = 1;
    let dragging = null;
    this.canvas.addEventListener('pointerdown', (event) => {
      dragging = event.pointerId;
      this.canvas.setPointerCapture(event.pointerId);
      this.moveTo(event);
      event.stopPropagation();
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (dragging === event.pointerId) this.moveTo(event);
    });
    const stop = (event) => {
      if (dragging === event.pointerId) dragging = null;
    };
    this.canvas.addEventListener('pointerup', stop);
    this.canvas.addEventListener('pointercancel', stop);
    this.canvas.addEventListener('wheel', (event) => event.stopPropagation());
  }

  // Shown when the drawing at full size is well beyond the panel.
  static wanted(scene, width, height) {
    return scene.width > 1.5 * width || scene.height > 1.5 * height;
  }

  setScene(scene, data) {
    this.scene = scene;
    this.data = data;
    const r = this.container.getBoundingClientRect();
    this.canvas.hidden = !Minimap.wanted(scene, r.width, r.height);
    if (this.canvas.hidden) return;
    const uniform = MAX_SIDE / Math.max(scene.width, scene.height, 1);
    this.scaleX = Math.max(uniform, MIN_SIDE / Math.max(scene.width, 1));
    this.scaleY = Math.max(uniform, MIN_SIDE / Math.max(scene.height, 1));
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(scene.width * this.scaleX);
    const height = Math.round(scene.height * this.scaleY);
    this.canvas.style.width = width + 'px';
    this.canvas.style.height = height + 'px';
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.base = null;
    this.draw();
  }

  setView(view) {
    this.view = view;
    if (!this.canvas.hidden) this.draw();
  }

  draw() {
    const ratio = this.canvas.width / Math.max(1, parseFloat(this.canvas.style.width));
    const sx = this.scaleX * ratio, sy = this.scaleY * ratio;
    if (!this.base) this.base = this.drawBoxes(sx, sy);
    const context = this.canvas.getContext('2d');
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.drawImage(this.base, 0, 0);
    if (this.view) {
      // In canvas pixels, so the frame's line stays 1.5 px whatever the two scales.
      context.strokeStyle = '#d62728';
      context.lineWidth = 1.5 * ratio;
      context.strokeRect(this.view.x * sx, this.view.y * sy, this.view.width * sx,
                         this.view.height * sy);
    }
  }

  // The boxes, once per scene, on a canvas of their own; the view's frame is drawn over a copy.
  drawBoxes(sx, sy) {
    const base = document.createElement('canvas');
    base.width = this.canvas.width;
    base.height = this.canvas.height;
    const context = base.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, base.width, base.height);
    context.setTransform(sx, 0, 0, sy, 0, 0);
    context.fillStyle = 'rgba(120, 140, 170, 0.15)';
    for (const c of this.scene.clusters) context.fillRect(c.x, c.y, c.width, c.height);
    for (const n of this.scene.nodes) {
      const item = n.key[0] === 'i' ? this.data.items[Number(n.key.slice(1))] : null;
      context.fillStyle = !item ? '#b0b0b0'
          : item.kind === 'input' || item.kind === 'output' ? '#37474f'
          : (this.data.categories && this.data.categories[item.category]) || '#dddddd';
      context.fillRect(n.x, n.y, Math.max(n.width, 2 / sx), Math.max(n.height, 2 / sy));
    }
    return base;
  }

  moveTo(event) {
    const r = this.canvas.getBoundingClientRect();
    this.onMove((event.clientX - r.left) / this.scaleX, (event.clientY - r.top) / this.scaleY);
  }
}
