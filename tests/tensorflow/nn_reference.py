# numpy transcriptions of TensorFlow's definitions for what the TensorFlow.js oracle cannot check:
# grouped and explicitly padded windows, and FusedBatchNorm's statistics outputs and training mode.
# Images are NHWC; pads are ((top, bottom), (left, right)).
import numpy as np


def same_pads(spatial, kernel, strides, dilations=(1, 1)):
    """TensorFlow's SAME: ((top, bottom), (left, right)), the odd one at the end."""
    pads = []
    for size, k, s, d in zip(spatial, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _windows(x, kernel, strides, dilations):
    """(N, out_h, out_w, C, kh, kw): every window of an NHWC image (already padded)."""
    kh, kw = kernel
    span_h, span_w = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
    view = np.lib.stride_tricks.sliding_window_view(x, (span_h, span_w), axis=(1, 2))
    return view[:, ::strides[0], ::strides[1], :, ::dilations[0], ::dilations[1]]


def conv2d(x, w, strides=(1, 1), pads=((0, 0), (0, 0)), dilations=(1, 1)):
    """Conv2D of an NHWC float image by an HWIO filter; grouped when x has a multiple of the
    filter's input channels (group g reads channels g*I.., makes outputs g*O/G..), in float64."""
    x = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    w = w.astype(np.float64)
    groups = x.shape[3] // w.shape[2]
    per_group = w.shape[3] // groups
    out = []
    for g in range(groups):
        xs = x[..., g * w.shape[2]:(g + 1) * w.shape[2]]
        patches = _windows(xs, w.shape[:2], strides, dilations)  # N, H, W, I, kh, kw
        out.append(np.einsum("nhwiyx,yxio->nhwo", patches,
                             w[..., g * per_group:(g + 1) * per_group]))
    return np.concatenate(out, axis=3)


def pool2d(x, kernel, strides, pads, kind):
    """MaxPool ("max", padding never wins) or AvgPool ("avg", the padding left out of each
    average) of an NHWC image, in float64."""
    x = x.astype(np.float64)
    fill = -np.inf if kind == "max" else 0.0
    padded = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    windows = _windows(padded, kernel, strides, (1, 1))
    if kind == "max":
        return windows.max(axis=(4, 5))
    ones = np.pad(np.ones((1,) + x.shape[1:3] + (1,)), ((0, 0), pads[0], pads[1], (0, 0)))
    counts = _windows(ones, kernel, strides, (1, 1)).sum(axis=(4, 5))
    return windows.sum(axis=(4, 5)) / counts


def batch_norm_training(x, scale, offset, epsilon, channel_axis=-1):
    """FusedBatchNorm with is_training true (exponential_avg_factor 1): y normalized by the
    batch's mean and biased variance; returns y, the running mean and the variance TF stores
    (Bessel-corrected), the batch mean and the biased variance."""
    axes = tuple(a for a in range(x.ndim) if a != channel_axis % x.ndim)
    shape = [1] * x.ndim
    shape[channel_axis] = -1
    x = x.astype(np.float64)
    mean = x.mean(axis=axes)
    variance = x.var(axis=axes)
    y = (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon)
    y = y * scale.reshape(shape) + offset.reshape(shape)
    count = x.size // x.shape[channel_axis]
    return y, mean, variance * count / max(count - 1, 1), mean, variance
