# A numpy reference for the model_zoo.py models TensorFlow.js cannot run (`tfjs=False`): each layer
# written from Keras's and TensorFlow's own formulas (keras/src/layers/..., tf-keras, TensorFlow's
# image resize kernels), run over the model's Keras 2 config. reference(model) returns
# {layer: array} named as run_tfjs.js and `layerscope run --dump` name them ("name", "name@1",
# "name:1"); only Functional and Sequential models without nesting.
import numpy as np

EPSILON = 1e-7  # keras.backend.epsilon()


# --- activations -------------------------------------------------------------------------------

def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softmax": _softmax,
    "exponential": np.exp,
}


# --- layers: f(config, inputs, weights, keywords) -> [outputs] ---------------------------------

def _dense(cfg, xs, w, kw):
    y = xs[0] @ w[0] + (w[1] if cfg.get("use_bias", True) else 0)
    return [ACTIVATIONS[cfg.get("activation", "linear")](y)]


def _elu(cfg, xs, w, kw):
    x, alpha = xs[0], cfg.get("alpha", 1.0)
    return [np.where(x > 0, x, alpha * (np.exp(x) - 1))]


def _expanded(xs):
    """Keras's merge: lower-rank inputs expanded at axis 1 until all ranks agree."""
    rank = max(x.ndim for x in xs)
    return [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]


def _merge(fn):
    def run(cfg, xs, w, kw):
        xs = _expanded(xs)
        y = xs[0]
        for x in xs[1:]:
            y = fn(y, x)
        return [y]
    return run


def _average(cfg, xs, w, kw):
    return [sum(_expanded(xs)) / len(xs)]


def _concatenate(cfg, xs, w, kw):
    return [np.concatenate(xs, axis=cfg.get("axis", -1))]


def _layer_normalization(cfg, xs, w, kw):
    x = xs[0]
    axes = cfg["axis"] if isinstance(cfg["axis"], list) else [cfg["axis"]]
    axes = [a % x.ndim for a in axes]
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = ((x - mean) ** 2).mean(axis=tuple(axes), keepdims=True)
    y = (x - mean) / np.sqrt(var + cfg.get("epsilon", 1e-3))
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    i = 0
    if cfg.get("scale", True):
        y = y * w[i].reshape(shape)
        i += 1
    if cfg.get("center", True):
        y = y + w[i].reshape(shape)
    return [y]


def _unit_normalization(cfg, xs, w, kw):
    x = xs[0]
    axes = cfg.get("axis", -1)
    axes = tuple(axes) if isinstance(axes, list) else (axes,)
    return [x / np.sqrt(np.maximum((x * x).sum(axis=axes, keepdims=True), 1e-12))]


def _normalization(cfg, xs, w, kw):
    x = xs[0]
    axis = cfg.get("axis", -1)
    keep = sorted(a % x.ndim for a in ([] if axis is None else axis if isinstance(axis, list) else [axis]))
    broadcast = [x.shape[d] if d in keep else 1 for d in range(x.ndim)]
    kept = [x.shape[d] for d in keep]
    if cfg.get("mean") is not None:  # as tf-keras: mean * np.ones(kept shape), reshaped
        mean = (np.asarray(cfg["mean"]) * np.ones(kept)).reshape(broadcast)
        var = (np.asarray(cfg["variance"]) * np.ones(kept)).reshape(broadcast)
    else:
        mean, var = w[0].reshape(broadcast), w[1].reshape(broadcast)
    scale = np.maximum(np.sqrt(var), EPSILON)
    return [mean + x * scale if cfg.get("invert") else (x - mean) / scale]


def _resize_axis(n_in, n_out, method):
    """(n_out, n_in) interpolation matrix of TensorFlow's ResizeBilinear / ResizeNearestNeighbor
    with half_pixel_centers=True (tf.image.resize, antialias=False)."""
    m = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for o in range(n_out):
        if method == "nearest":
            m[o, min(max(int(np.floor((o + 0.5) * scale)), 0), n_in - 1)] = 1
        else:
            pos = (o + 0.5) * scale - 0.5
            lerp = pos - np.floor(pos)
            lo = max(int(np.floor(pos)), 0)
            hi = min(int(np.ceil(pos)), n_in - 1)
            m[o, lo] += 1 - lerp
            m[o, hi] += lerp
    return m


def _resize(x, height, width, method):
    rows = _resize_axis(x.shape[1], height, method)
    cols = _resize_axis(x.shape[2], width, method)
    return np.einsum("hi,bijc,wj->bhwc", rows, x, cols)


def _crop_to_aspect(x, height, width):
    h, w = x.shape[1], x.shape[2]
    crop_h = max(min(h, int(np.float32(w * height) / np.float32(width))), 1)
    crop_w = max(min(w, int(np.float32(h * width) / np.float32(height))), 1)
    top, left = int((h - crop_h) / 2), int((w - crop_w) / 2)
    return x[:, top:top + crop_h, left:left + crop_w, :]


def _resizing(cfg, xs, w, kw):
    x = xs[0]
    if cfg.get("crop_to_aspect_ratio"):
        x = _crop_to_aspect(x, cfg["height"], cfg["width"])
    return [_resize(x, cfg["height"], cfg["width"], cfg.get("interpolation", "bilinear"))]


def _center_crop(cfg, xs, w, kw):
    x, height, width = xs[0], cfg["height"], cfg["width"]
    dh, dw = x.shape[1] - height, x.shape[2] - width
    if dh >= 0 and dw >= 0:
        return [x[:, int(dh / 2):int(dh / 2) + height, int(dw / 2):int(dw / 2) + width, :]]
    return [_resize(_crop_to_aspect(x, height, width), height, width, "bilinear")]  # smart_resize


def _letters(n, start=0):
    return "".join(chr(ord("a") + start + i) for i in range(n))


def _multi_head_attention(cfg, xs, w, kw):
    """Keras's einsum formulation: projections by EinsumDense, then _build_attention_equation."""
    query = xs[0]
    value = kw["value"]
    key = kw.get("key", value)
    heads, key_dim = cfg["num_heads"], cfg["key_dim"]
    w = list(w)
    use_bias = cfg.get("use_bias", True)

    def project(x):
        kernel = w.pop(0)
        free = _letters(x.ndim - 1)
        y = np.einsum(f"{free}x,xyz->{free}yz", x, kernel)
        return y + w.pop(0) if use_bias else y

    q, k, v = project(query), project(key), project(value)
    rank = q.ndim  # (batch, ..., heads, dim)
    axes = cfg.get("attention_axes")
    axes = tuple(range(1, rank - 2)) if axes is None else tuple(
        a if a >= 0 else rank - 1 + a for a in ([axes] if isinstance(axes, int) else axes))
    target = _letters(rank)
    batch_dims = [i for i in range(rank) if i not in axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letters(1, offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in axes] +
                      [source[i] for i in axes])
    scores = np.einsum(f"{source},{target}->{product}", k, q / np.sqrt(key_dim))
    n = len(axes)
    flat = scores.reshape(scores.shape[:-n] + (-1,))
    scores = _softmax(flat, axis=-1).reshape(scores.shape)
    attended = np.einsum(f"{product},{source}->{target}", scores, v)
    kernel = w.pop(0)
    out_dims = kernel.ndim - 2
    free = _letters(attended.ndim - 2)
    outs = _letters(out_dims, 20)
    y = np.einsum(f"{free}xy,xy{outs}->{free}{outs}", attended, kernel)
    return [y + w.pop(0) if use_bias else y]


LAYERS = {
    "Dense": _dense, "ELU": _elu,
    "Add": _merge(np.add), "Subtract": _merge(np.subtract), "Multiply": _merge(np.multiply),
    "Maximum": _merge(np.maximum), "Minimum": _merge(np.minimum), "Average": _average,
    "Concatenate": _concatenate, "LayerNormalization": _layer_normalization,
    "UnitNormalization": _unit_normalization, "Normalization": _normalization,
    "Resizing": _resizing, "CenterCrop": _center_crop,
    "MultiHeadAttention": _multi_head_attention,
}


def reference(model):
    """{layer: output} of every layer call of a Functional or Sequential zoo model, in float64."""
    cfg = model.config["config"]
    weights = {name: [np.asarray(v, dtype=np.float64) for _, v in pairs]
               for name, pairs in model.weights.items()}
    out = {}
    if model.config["class_name"] == "Sequential":
        x = np.asarray(model.inputs[0], dtype=np.float64)
        for entry in cfg["layers"]:
            if entry["class_name"] == "InputLayer":
                continue
            name = entry["config"]["name"]
            x = LAYERS[entry["class_name"]](entry["config"], [x], weights.get(name, []), {})[0]
            out[name] = x
        return out
    produced = {}
    for (name, _, _), x in zip(cfg["input_layers"], model.inputs):
        produced[(name, 0)] = [np.asarray(x, dtype=np.float64)]
    for entry in cfg["layers"]:
        if entry["class_name"] == "InputLayer":
            continue
        name = entry["name"]
        for call, node in enumerate(entry["inbound_nodes"]):
            xs = [produced[(src, n)][t] for src, n, t, *_ in node]
            kwargs = {k: produced[(r[0], r[1])][r[2]] for k, r in node[0][3].items()}
            ys = LAYERS[entry["class_name"]](entry["config"], xs, weights.get(name, []), kwargs)
            produced[(name, call)] = ys
            base = name + (f"@{call}" if call else "")
            for i, y in enumerate(ys):
                out[base + (f":{i}" if i else "")] = y
    return out
