# Small Keras models for testing layerscope's Keras frontend layer by layer: each function returns
# a ZooModel (unpacks as config, weights, inputs): a Keras 2 model config as tf.keras 2.11 writes
# it into an .h5 file, each layer's weights in Keras order with their variable names (see
# keras_files.py), and input arrays, all from a fixed numpy seed. keras_files.py writes them as
# .h5 and .keras files; tests/oracle/run_tfjs.js computes every layer's reference output with
# TensorFlow.js (models with `tfjs=False` use something TensorFlow.js lacks; `why_not_tfjs` says
# what). test_fixtures.py proves every model loads and runs in the oracle.
from dataclasses import dataclass, field

import numpy as np

GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}
ORTHOGONAL = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}


@dataclass
class ZooModel:
    name: str
    config: dict
    weights: dict
    inputs: list
    tfjs: bool = True
    why_not_tfjs: str = ""
    notes: list = field(default_factory=list)
    # The files whose Keras computes what the oracle does: Keras 3 defines hard_sigmoid
    # differently from Keras 2 and TensorFlow.js.
    files: tuple = (".h5", ".keras")

    def __iter__(self):
        return iter((self.config, self.weights, self.inputs))


# --- Keras 2 layer configs ---------------------------------------------------------------------

def layer(class_name, name, **config):
    return {"class_name": class_name,
            "config": {"name": name, "trainable": True, "dtype": "float32", **config}}


def input_layer(name, batch_shape, dtype="float32"):
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": list(batch_shape), "dtype": dtype, "sparse": False,
                       "ragged": False, "name": name}}


def _regularised(prefixes):
    out = {}
    for p in prefixes:
        out[f"{p}_regularizer"] = None
    out["activity_regularizer"] = None
    for p in prefixes:
        out[f"{p}_constraint"] = None
    return out


def dense(name, units, activation="linear", use_bias=True):
    return layer("Dense", name, units=units, activation=activation, use_bias=use_bias,
                 kernel_initializer=GLOROT, bias_initializer=ZEROS, **_regularised(["kernel", "bias"]))


def conv(class_name, name, filters, kernel_size, strides=None, padding="valid", activation="linear",
         use_bias=True, **extra):
    rank = len(kernel_size)
    cfg = dict(filters=filters, kernel_size=list(kernel_size), strides=list(strides or [1] * rank),
               padding=padding, data_format="channels_last", dilation_rate=[1] * rank)
    if class_name in ("Conv1D", "Conv2D"):
        cfg["groups"] = 1
    cfg.update(activation=activation, use_bias=use_bias)
    if class_name == "SeparableConv2D":
        cfg.update(depth_multiplier=1, depthwise_initializer=GLOROT, pointwise_initializer=GLOROT,
                   bias_initializer=ZEROS, depthwise_regularizer=None, pointwise_regularizer=None,
                   bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                   pointwise_constraint=None, bias_constraint=None)
    else:
        cfg.update(kernel_initializer=GLOROT, bias_initializer=ZEROS, **_regularised(["kernel", "bias"]))
    if class_name == "Conv2DTranspose":
        cfg["output_padding"] = None
    cfg.update(extra)
    return layer(class_name, name, **cfg)


def depthwise(name, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1):
    return layer("DepthwiseConv2D", name, kernel_size=list(kernel_size), strides=list(strides),
                 padding=padding, data_format="channels_last", dilation_rate=[1, 1], groups=1,
                 activation="linear", use_bias=True, bias_initializer=ZEROS,
                 bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                 depth_multiplier=depth_multiplier, depthwise_initializer=GLOROT,
                 depthwise_regularizer=None, depthwise_constraint=None)


def pool(class_name, name, pool_size, strides=None, padding="valid"):
    rank = len(pool_size)
    return layer(class_name, name, pool_size=list(pool_size), padding=padding,
                 strides=list(strides or pool_size), data_format="channels_last" if rank > 1 else "channels_last")


def global_pool(class_name, name):
    return layer(class_name, name, data_format="channels_last", keepdims=False)


def batch_norm(name, axis=-1):
    return layer("BatchNormalization", name, axis=axis, momentum=0.99, epsilon=0.001, center=True,
                 scale=True, beta_initializer=ZEROS, gamma_initializer=ONES,
                 moving_mean_initializer=ZEROS, moving_variance_initializer=ONES,
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)


def rnn(class_name, name, units, return_sequences=False, return_state=False, **extra):
    cfg = dict(return_sequences=return_sequences, return_state=return_state, go_backwards=False,
               stateful=False, unroll=False, time_major=False, units=units, activation="tanh")
    if class_name != "SimpleRNN":
        cfg["recurrent_activation"] = "sigmoid"
    cfg.update(use_bias=True, kernel_initializer=GLOROT, recurrent_initializer=ORTHOGONAL,
               bias_initializer=ZEROS)
    if class_name == "LSTM":
        cfg["unit_forget_bias"] = True
    cfg.update(kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
               bias_constraint=None, dropout=0.0, recurrent_dropout=0.0)
    if class_name != "SimpleRNN":
        cfg["implementation"] = 2
    if class_name == "GRU":
        cfg["reset_after"] = True
    cfg.update(extra)
    return layer(class_name, name, **cfg)


# --- Functional graph builder ------------------------------------------------------------------

class Graph:
    """Builds a Keras 2 Functional config: call() records inbound_nodes as tf.keras writes them,
    [[[layer, node index, tensor index, {}], ...]]."""

    def __init__(self, name):
        self.name = name
        self.layers = []
        self.by_name = {}
        self.inputs = []

    def input(self, name, batch_shape, dtype="float32"):
        entry = input_layer(name, batch_shape, dtype)
        entry["name"] = name
        entry["inbound_nodes"] = []
        self._add(entry)
        ref = (name, 0, 0)
        self.inputs.append(ref)
        return ref

    def _add(self, entry):
        self.layers.append(entry)
        self.by_name[entry["name"]] = entry

    def __call__(self, entry, inputs, outputs=1, kwargs=None):
        """kwargs: tensors passed by keyword ({"value": ref}), which tf.keras records in the
        first input's entry as [layer, node index, tensor index]."""
        name = entry["config"]["name"]
        if name not in self.by_name:
            entry = dict(entry, name=name, inbound_nodes=[])
            self._add(entry)
        entry = self.by_name[name]
        node = len(entry["inbound_nodes"])
        if entry["class_name"] in ("Functional", "Sequential"):
            node += 1  # a model's node 0 links its own inputs to its outputs
        refs = inputs if isinstance(inputs, list) else [inputs]
        node_refs = [[r[0], r[1], r[2], {}] for r in refs]
        node_refs[0][3] = {k: list(r) for k, r in (kwargs or {}).items()}
        entry["inbound_nodes"].append(node_refs)
        outs = [(name, node, i) for i in range(outputs)]
        return outs[0] if outputs == 1 else outs

    def config(self, outputs):
        outputs = outputs if isinstance(outputs, list) else [outputs]
        return {"class_name": "Functional",
                "config": {"name": self.name, "layers": self.layers,
                           "input_layers": [list(r) for r in self.inputs],
                           "output_layers": [list(r) for r in outputs]}}

    def entry(self, outputs):
        """This graph as a layer of another model (nested)."""
        return self.config(outputs)


def sequential(name, batch_shape, layers, input_name=None):
    return {"class_name": "Sequential",
            "config": {"name": name,
                       "layers": [input_layer(input_name or f"{name}_input", batch_shape)] + layers}}


# --- weights -----------------------------------------------------------------------------------

class Weights:
    """Non-trivial weights: normal * 0.3 (BatchNormalization's moving variance positive)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.w = {}

    def normal(self, *shape, scale=0.3):
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def add(self, path, *pairs):
        self.w[path] = [(n, np.asarray(v, dtype=np.float32)) for n, v in pairs]

    def dense(self, path, n_in, units, use_bias=True):
        pairs = [("kernel", self.normal(n_in, units))]
        if use_bias:
            pairs.append(("bias", self.normal(units)))
        self.add(path, *pairs)

    def conv(self, path, kernel_size, c_in, filters, transpose=False):
        shape = (*kernel_size, filters, c_in) if transpose else (*kernel_size, c_in, filters)
        self.add(path, ("kernel", self.normal(*shape)), ("bias", self.normal(filters)))

    def batch_norm(self, path, c):
        self.add(path, ("gamma", 1 + self.normal(c)), ("beta", self.normal(c)),
                 ("moving_mean", self.normal(c)),
                 ("moving_variance", self.rng.uniform(0.5, 1.5, c)))

    def rnn(self, path, class_name, n_in, units, reset_after=False):
        gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[class_name]
        bias = self.normal(2, gates * units) if reset_after else self.normal(gates * units)
        return [("kernel", self.normal(n_in, gates * units)),
                ("recurrent_kernel", self.normal(units, gates * units)), ("bias", bias)]


def _x(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# --- the zoo -----------------------------------------------------------------------------------

def dense_classifier():
    """(a) Flatten -> Dense relu -> Dropout -> Dense softmax."""
    w = Weights(1)
    config = sequential("dense_classifier", [None, 4, 4], [
        layer("Flatten", "flatten", data_format="channels_last"),
        dense("dense", 12, "relu"),
        layer("Dropout", "dropout", rate=0.5, noise_shape=None, seed=None),
        dense("dense_1", 5, "softmax"),
    ], input_name="flatten_input")
    w.dense("dense", 16, 12)
    w.dense("dense_1", 12, 5)
    return ZooModel("dense_classifier", config, w.w, [_x(w.rng, 2, 4, 4)])


def digits_cnn():
    """(b) Conv2D same/valid, strides 2, MaxPooling2D, BatchNormalization, Flatten, Dense."""
    w = Weights(2)
    config = sequential("digits_cnn", [None, 12, 12, 1], [
        conv("Conv2D", "conv2d", 4, (3, 3), padding="same", activation="relu"),
        conv("Conv2D", "conv2d_1", 6, (3, 3), strides=(2, 2), padding="valid"),
        batch_norm("batch_normalization"),
        layer("Activation", "activation", activation="relu"),
        pool("MaxPooling2D", "max_pooling2d", (2, 2)),
        conv("Conv2D", "conv2d_2", 5, (2, 2), strides=(2, 2), padding="same", activation="relu"),
        layer("Flatten", "flatten", data_format="channels_last"),
        dense("dense", 10, "softmax"),
    ], input_name="conv2d_input")
    w.conv("conv2d", (3, 3), 1, 4)
    w.conv("conv2d_1", (3, 3), 4, 6)
    w.batch_norm("batch_normalization", 6)
    w.conv("conv2d_2", (2, 2), 6, 5)
    w.dense("dense", 5, 10)  # 12 -> 5 (valid, s2) -> 2 (pool) -> 1 (same, s2): 1*1*5
    return ZooModel("digits_cnn", config, w.w, [_x(w.rng, 2, 12, 12, 1)])


def two_inputs_two_outputs():
    """(c) Functional: two inputs, two outputs, a Dense shared by both inputs, Concatenate, Add."""
    w = Weights(3)
    g = Graph("two_towers")
    a = g.input("input_a", [None, 6])
    b = g.input("input_b", [None, 6])
    shared = dense("shared", 8, "tanh")
    ha = g(shared, a)
    hb = g(shared, b)
    cat = g(layer("Concatenate", "concatenate", axis=-1), [ha, hb])
    s = g(layer("Add", "add"), [ha, hb])
    out1 = g(dense("head_cat", 3, "softmax"), cat)
    out2 = g(dense("head_sum", 2), s)
    w.dense("shared", 6, 8)
    w.dense("head_cat", 16, 3)
    w.dense("head_sum", 8, 2)
    return ZooModel("two_inputs_two_outputs", g.config([out1, out2]), w.w,
                    [_x(w.rng, 2, 6), _x(w.rng, 2, 6)])


def transfer_learning():
    """(d) A Sequential holding a nested Functional base and a nested Sequential head. The base
    has BatchNormalization before a Dense, so its .h5 weight order (all trainable variables first,
    then the moving statistics) differs from its layers' order."""
    w = Weights(4)
    g = Graph("base")
    x = g.input("base_input", [None, 8, 8, 3])
    y = g(conv("Conv2D", "base_conv", 4, (3, 3), padding="same", activation="relu"), x)
    y = g(batch_norm("base_bn"), y)
    y = g(global_pool("GlobalAveragePooling2D", "base_gap"), y)
    y = g(dense("base_dense", 5, "relu"), y)
    base = g.entry(y)
    head = {"class_name": "Sequential",
            "config": {"name": "head", "layers": [input_layer("head_input", [None, 5]),
                                                  dense("head_dense", 6, "relu"),
                                                  dense("head_out", 3, "softmax")]}}
    config = sequential("transfer", [None, 8, 8, 3], [base, head], input_name="base_input")
    w.conv("base/base_conv", (3, 3), 3, 4)
    w.batch_norm("base/base_bn", 4)
    w.dense("base/base_dense", 4, 5)
    w.dense("head/head_dense", 5, 6)
    w.dense("head/head_out", 6, 3)
    return ZooModel("transfer_learning", config, w.w, [_x(w.rng, 2, 8, 8, 3)],
                    notes=["in .h5, base's weights: base_conv kernel, bias; base_bn gamma, beta; "
                           "base_dense kernel, bias; base_bn moving_mean, moving_variance"])


def conv1d():
    """(e) Conv1D + MaxPooling1D + GlobalAveragePooling1D."""
    w = Weights(5)
    config = sequential("conv1d_net", [None, 16, 3], [
        conv("Conv1D", "conv1d", 5, (3,), padding="same", activation="relu"),
        pool("MaxPooling1D", "max_pooling1d", (2,)),
        conv("Conv1D", "conv1d_1", 4, (3,), strides=(2,), padding="valid"),
        global_pool("GlobalAveragePooling1D", "global_average_pooling1d"),
        dense("dense", 2),
    ], input_name="conv1d_input")
    w.conv("conv1d", (3,), 3, 5)
    w.conv("conv1d_1", (3,), 5, 4)
    w.dense("dense", 4, 2)
    return ZooModel("conv1d", config, w.w, [_x(w.rng, 2, 16, 3)])


def recurrent():
    """(f) Embedding -> SimpleRNN (sequences) -> LSTM (sequences, return_state) -> GRU
    (reset_after=false) and Bidirectional(LSTM), in a Functional model."""
    w = Weights(6)
    g = Graph("recurrent")
    tokens = g.input("tokens", [None, 7], dtype="int32")
    e = g(layer("Embedding", "embedding", input_dim=20, output_dim=5, embeddings_initializer={
        "class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
        mask_zero=False, input_length=7), tokens)
    s = g(rnn("SimpleRNN", "simple_rnn", 6, return_sequences=True), e)
    l, h, c = g(rnn("LSTM", "lstm", 4, return_sequences=True, return_state=True), s, outputs=3)
    gru = g(rnn("GRU", "gru", 3, reset_after=False), l)
    bi = g(layer("Bidirectional", "bidirectional", merge_mode="concat",
                 layer=rnn("LSTM", "lstm_1", 2)), s)
    out = g(layer("Concatenate", "concatenate", axis=-1), [gru, bi, h, c])
    w.add("embedding", ("embeddings", w.normal(20, 5)))
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 5, 6))
    w.add("lstm", *w.rnn("lstm", "LSTM", 6, 4))
    w.add("gru", *w.rnn("gru", "GRU", 4, 3))
    w.add("bidirectional", *w.rnn("f", "LSTM", 6, 2), *w.rnn("b", "LSTM", 6, 2))
    tokens_in = w.rng.integers(0, 20, (2, 7)).astype(np.int32)
    return ZooModel("recurrent", g.config(out), w.w, [tokens_in])


def gru_reset_after():
    """(f) GRU with reset_after=true (TensorFlow 2's default): a (2, 3*units) bias."""
    w = Weights(7)
    config = sequential("gru_reset_after", [None, 5, 3], [rnn("GRU", "gru", 4, reset_after=True)],
                        input_name="gru_input")
    w.add("gru", *w.rnn("gru", "GRU", 3, 4, reset_after=True))
    return ZooModel("gru_reset_after", config, w.w, [_x(w.rng, 2, 5, 3)], tfjs=False,
                    why_not_tfjs="TensorFlow.js's GRU refuses reset_after=true")


def conv_variety():
    """(g) DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, ZeroPadding2D, Cropping2D,
    UpSampling2D, AveragePooling2D 'same' (TF leaves padding out of the divisor),
    GlobalMaxPooling2D."""
    w = Weights(8)
    config = sequential("conv_variety", [None, 7, 7, 2], [
        layer("ZeroPadding2D", "zero_padding2d", padding=[[1, 1], [2, 0]], data_format="channels_last"),
        depthwise("depthwise_conv2d", (3, 3), depth_multiplier=2),
        conv("SeparableConv2D", "separable_conv2d", 3, (3, 3), padding="same", activation="relu"),
        conv("Conv2DTranspose", "conv2d_transpose", 4, (3, 3), strides=(2, 2), padding="same"),
        layer("Cropping2D", "cropping2d", cropping=[[1, 2], [0, 1]], data_format="channels_last"),
        layer("UpSampling2D", "up_sampling2d", size=[2, 1], data_format="channels_last",
              interpolation="nearest"),
        pool("AveragePooling2D", "average_pooling2d", (3, 3), strides=(2, 2), padding="same"),
        conv("Conv2DTranspose", "conv2d_transpose_1", 2, (2, 3), strides=(1, 2), padding="valid"),
        global_pool("GlobalMaxPooling2D", "global_max_pooling2d"),
    ], input_name="zero_padding2d_input")
    # 7x7x2 -> pad 9x9x2 -> depthwise 7x7x4 -> separable 7x7x3 -> transpose 14x14x4
    # -> crop 11x13x4 -> upsample 22x13x4 -> avgpool same s2 11x7x4 -> transpose 12x15x2 -> 2
    w.add("depthwise_conv2d", ("depthwise_kernel", w.normal(3, 3, 2, 2)), ("bias", w.normal(4)))
    w.add("separable_conv2d", ("depthwise_kernel", w.normal(3, 3, 4, 1)),
          ("pointwise_kernel", w.normal(1, 1, 4, 3)), ("bias", w.normal(3)))
    w.conv("conv2d_transpose", (3, 3), 3, 4, transpose=True)
    w.conv("conv2d_transpose_1", (2, 3), 4, 2, transpose=True)
    return ZooModel("conv_variety", config, w.w, [_x(w.rng, 2, 7, 7, 2)])


def conv_geometry():
    """(g) TensorFlow's 'same' padding where it is asymmetric (odd totals: the extra row/column
    at the bottom/right): Conv2D strides 2 on an even height, dilation, no bias; MaxPooling2D
    (padding must never win a max: the input is negative there) and AveragePooling2D (padding out
    of the divisor); Conv2DTranspose 'same' cropping one end, 'same' on ATen's own padding and
    'valid' growing by stride - kernel; strided DepthwiseConv2D and SeparableConv2D."""
    w = Weights(13)
    config = sequential("conv_geometry", [None, 10, 9, 3], [
        conv("Conv2D", "conv2d", 4, (3, 3), strides=(2, 2), padding="same", activation="relu"),
        conv("Conv2D", "conv2d_1", 4, (2, 3), padding="same", use_bias=False, dilation_rate=[3, 2]),
        pool("MaxPooling2D", "max_pooling2d", (2, 2), padding="same"),
        pool("AveragePooling2D", "average_pooling2d", (2, 2), strides=(1, 1), padding="same"),
        conv("Conv2DTranspose", "conv2d_transpose", 3, (3, 3), strides=(2, 2), padding="same"),
        conv("Conv2DTranspose", "conv2d_transpose_1", 2, (4, 4), strides=(2, 2), padding="same"),
        conv("Conv2DTranspose", "conv2d_transpose_2", 3, (1, 3), strides=(3, 2), padding="valid"),
        depthwise("depthwise_conv2d", (3, 3), strides=(2, 2), padding="same", depth_multiplier=2),
        conv("SeparableConv2D", "separable_conv2d", 4, (3, 2), strides=(2, 3), padding="same",
             activation="tanh"),
        global_pool("GlobalAveragePooling2D", "global_average_pooling2d"),
    ], input_name="conv2d_input")
    # 10x9x3 -> 5x5x4 -> 5x5x4 -> pool 3x3 -> avg 3x3 -> T 6x6x3 -> T 12x12x2 -> T 36x25x3
    # -> depthwise 18x13x6 -> separable 9x5x4 -> 4
    w.conv("conv2d", (3, 3), 3, 4)
    w.add("conv2d_1", ("kernel", w.normal(2, 3, 4, 4)))
    w.conv("conv2d_transpose", (3, 3), 4, 3, transpose=True)
    w.conv("conv2d_transpose_1", (4, 4), 3, 2, transpose=True)
    w.conv("conv2d_transpose_2", (1, 3), 2, 3, transpose=True)
    w.add("depthwise_conv2d", ("depthwise_kernel", w.normal(3, 3, 3, 2)), ("bias", w.normal(6)))
    w.add("separable_conv2d", ("depthwise_kernel", w.normal(3, 2, 6, 1)),
          ("pointwise_kernel", w.normal(1, 1, 6, 4)), ("bias", w.normal(4)))
    return ZooModel("conv_geometry", config, w.w, [_x(w.rng, 2, 10, 9, 3)])


def conv1d_geometry():
    """(e) Conv1D with dilation and 'same' on odd totals, MaxPooling1D and AveragePooling1D
    'same' with asymmetric padding, GlobalMaxPooling1D."""
    w = Weights(14)
    config = sequential("conv1d_geometry", [None, 13, 3], [
        conv("Conv1D", "conv1d", 4, (3,), padding="same", dilation_rate=[2]),
        conv("Conv1D", "conv1d_1", 5, (4,), strides=(2,), padding="same"),
        pool("MaxPooling1D", "max_pooling1d", (2,), padding="same"),
        pool("AveragePooling1D", "average_pooling1d", (2,), strides=(1,), padding="same"),
        global_pool("GlobalMaxPooling1D", "global_max_pooling1d"),
    ], input_name="conv1d_input")
    # 13x3 -> 13x4 -> 7x5 -> 4x5 -> 4x5 -> 5
    w.conv("conv1d", (3,), 3, 4)
    w.conv("conv1d_1", (4,), 4, 5)
    return ZooModel("conv1d_geometry", config, w.w, [_x(w.rng, 2, 13, 3)])


def conv3d():
    """(g) Conv3D strided 'same', MaxPooling3D and AveragePooling3D 'same', Conv3DTranspose."""
    w = Weights(15)
    config = sequential("conv3d_net", [None, 5, 6, 4, 2], [
        conv("Conv3D", "conv3d", 3, (2, 3, 2), strides=(2, 1, 2), padding="same", activation="relu"),
        pool("MaxPooling3D", "max_pooling3d", (2, 2, 2), padding="same"),
        pool("AveragePooling3D", "average_pooling3d", (2, 2, 1), strides=(1, 1, 1), padding="same"),
        conv("Conv3DTranspose", "conv3d_transpose", 2, (2, 3, 2), strides=(2, 2, 1), padding="same",
             output_padding=None),
        layer("Flatten", "flatten", data_format="channels_last"),
        dense("dense", 3),
    ], input_name="conv3d_input")
    # 5x6x4x2 -> 3x6x2x3 -> 2x3x1x3 -> 2x3x1x3 -> 4x6x1x2 -> 48 -> 3
    w.conv("conv3d", (2, 3, 2), 2, 3)
    w.conv("conv3d_transpose", (2, 3, 2), 3, 2, transpose=True)
    w.dense("dense", 48, 3)
    return ZooModel("conv3d", config, w.w, [_x(w.rng, 2, 5, 6, 4, 2)])


def conv1d_beyond_tfjs():
    """What TensorFlow.js lacks in 1-D: Conv1D 'causal', SeparableConv1D, DepthwiseConv1D,
    Conv1DTranspose (with output_padding), ZeroPadding1D, Cropping1D, UpSampling1D."""
    w = Weights(16)
    config = sequential("conv1d_beyond_tfjs", [None, 9, 2], [
        conv("Conv1D", "conv1d", 3, (3,), padding="causal", dilation_rate=[2], activation="relu"),
        layer("ZeroPadding1D", "zero_padding1d", padding=[1, 2]),
        layer("SeparableConv1D", "separable_conv1d", filters=4, kernel_size=[3], strides=[2],
              padding="same", data_format="channels_last", dilation_rate=[1], depth_multiplier=2,
              activation="linear", use_bias=True),
        layer("DepthwiseConv1D", "depthwise_conv1d", kernel_size=[2], strides=[1], padding="valid",
              data_format="channels_last", dilation_rate=[1], depth_multiplier=1,
              activation="linear", use_bias=True),
        conv("Conv1DTranspose", "conv1d_transpose", 3, (3,), strides=(2,), padding="same",
             output_padding=[1]),
        layer("Cropping1D", "cropping1d", cropping=[2, 1]),
        layer("UpSampling1D", "up_sampling1d", size=3),
        conv("Conv1DTranspose", "conv1d_transpose_1", 2, (2,), strides=(3,), padding="valid",
             output_padding=[2]),
    ], input_name="conv1d_input")
    # 9x2 -> 9x3 -> 12x3 -> 6x4 -> 5x4 -> 11x3 (5*2 + 1) -> 8x3 -> 24x3 -> 26x2 ((24-1)*3+2+2... )
    w.conv("conv1d", (3,), 2, 3)
    w.add("separable_conv1d", ("depthwise_kernel", w.normal(3, 3, 2)),
          ("pointwise_kernel", w.normal(1, 6, 4)), ("bias", w.normal(4)))
    w.add("depthwise_conv1d", ("depthwise_kernel", w.normal(2, 4, 1)), ("bias", w.normal(4)))
    w.conv("conv1d_transpose", (3,), 4, 3, transpose=True)
    w.conv("conv1d_transpose_1", (2,), 3, 2, transpose=True)
    return ZooModel("conv1d_beyond_tfjs", config, w.w, [_x(w.rng, 2, 9, 2)], tfjs=False,
                    why_not_tfjs="TensorFlow.js has no causal Conv1D, SeparableConv1D, "
                                 "DepthwiseConv1D, Conv1DTranspose, ZeroPadding1D, Cropping1D or "
                                 "UpSampling1D")


def conv_beyond_tfjs():
    """What TensorFlow.js lacks or computes otherwise in 2-D and 3-D: Conv2D groups, UpSampling2D
    bilinear (TensorFlow.js resizes without half-pixel centers), Conv2DTranspose output_padding
    (TensorFlow.js ignores it), ZeroPadding3D, Cropping3D, UpSampling3D, GlobalMaxPooling3D
    keepdims."""
    w = Weights(17)
    g = Graph("conv_beyond_tfjs")
    image = g.input("image", [None, 5, 6, 4])
    volume = g.input("volume", [None, 3, 4, 2, 2])
    y = g(conv("Conv2D", "conv2d", 6, (3, 3), padding="same", groups=2, activation="relu"), image)
    y = g(layer("UpSampling2D", "up_sampling2d", size=[2, 3], data_format="channels_last",
                interpolation="bilinear"), y)
    y = g(conv("Conv2DTranspose", "conv2d_transpose", 2, (3, 2), strides=(2, 3), padding="valid",
               output_padding=[1, 2]), y)
    v = g(layer("ZeroPadding3D", "zero_padding3d", padding=[[1, 0], [0, 2], [1, 1]],
                data_format="channels_last"), volume)
    v = g(layer("Cropping3D", "cropping3d", cropping=[[0, 1], [2, 1], [1, 0]],
                data_format="channels_last"), v)
    v = g(layer("UpSampling3D", "up_sampling3d", size=[2, 1, 3], data_format="channels_last"), v)
    v = g(layer("GlobalMaxPooling3D", "global_max_pooling3d", data_format="channels_last",
                keepdims=True), v)
    w.add("conv2d", ("kernel", w.normal(3, 3, 2, 6)), ("bias", w.normal(6)))
    w.conv("conv2d_transpose", (3, 2), 6, 2, transpose=True)
    return ZooModel("conv_beyond_tfjs", g.config([y, v]), w.w,
                    [_x(w.rng, 2, 5, 6, 4), _x(w.rng, 2, 3, 4, 2, 2)], tfjs=False,
                    why_not_tfjs="TensorFlow.js has no Conv2D groups, ZeroPadding3D, Cropping3D or "
                                 "UpSampling3D, ignores output_padding and resizes bilinearly "
                                 "without TensorFlow's half-pixel centers")


# hard_sigmoid is left out: Keras 2 and 3 define it differently (test_keras_models.py checks both).
ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "swish",
               "gelu", "linear", "relu6"]


def activations():
    """(h) A Dense per activation function, then the ReLU, LeakyReLU, PReLU, ELU and Softmax
    layer classes."""
    w = Weights(9)
    layers = []
    for i, act in enumerate(ACTIVATIONS):
        name = f"dense_{act}"
        layers.append(dense(name, 6, act))
        w.dense(name, 6, 6)
    layers += [
        layer("ReLU", "re_lu", max_value=None, negative_slope=0.0, threshold=0.0),
        dense("dense_mix", 6), layer("LeakyReLU", "leaky_re_lu", alpha=0.2),
        dense("dense_mix_1", 6),
        layer("PReLU", "p_re_lu", alpha_initializer=ZEROS, alpha_regularizer=None,
              alpha_constraint=None, shared_axes=None),
        layer("ELU", "elu", alpha=1.0),
        layer("Softmax", "softmax", axis=-1),
    ]
    w.dense("dense_mix", 6, 6)
    w.dense("dense_mix_1", 6, 6)
    w.add("p_re_lu", ("alpha", w.normal(6)))
    config = sequential("activations", [None, 6], layers, input_name="dense_relu_input")
    return ZooModel("activations", config, w.w, [_x(w.rng, 3, 6) * 2])


def shape_and_merge():
    """(i) LayerNormalization, Permute, Reshape, RepeatVector, and the Multiply, Average,
    Maximum, Minimum merges (Subtract is in beyond_tfjs)."""
    w = Weights(11)
    g = Graph("shape_and_merge")
    x = g.input("x", [None, 4, 6])
    n = g(layer("LayerNormalization", "layer_normalization", axis=[-1], epsilon=0.001, center=True,
                scale=True, beta_initializer=ZEROS, gamma_initializer=ONES, beta_regularizer=None,
                gamma_regularizer=None, beta_constraint=None, gamma_constraint=None), x)
    p = g(layer("Permute", "permute", dims=[2, 1]), n)              # 6x4
    r = g(layer("Reshape", "reshape", target_shape=[4, 6]), p)       # 4x6
    a = g(dense("dense_a", 6, "tanh"), x)
    b = g(dense("dense_b", 6, "sigmoid"), r)
    merged = [g(layer(cls, cls.lower()), [a, b]) for cls in ("Multiply", "Average", "Maximum",
                                                              "Minimum")]
    s = g(layer("Add", "add"), merged)
    f = g(layer("Flatten", "flatten", data_format="channels_last"), s)
    v = g(dense("dense_v", 3), f)
    rep = g(layer("RepeatVector", "repeat_vector", n=2), v)
    w.add("layer_normalization", ("gamma", 1 + w.normal(6)), ("beta", w.normal(6)))
    w.dense("dense_a", 6, 6)
    w.dense("dense_b", 6, 6)
    w.dense("dense_v", 24, 3)
    return ZooModel("shape_and_merge", g.config(rep), w.w, [_x(w.rng, 2, 4, 6)])


def beyond_tfjs():
    """What TensorFlow.js lacks: Subtract, ELU with alpha != 1, the exponential activation."""
    w = Weights(12)
    g = Graph("beyond_tfjs")
    a = g.input("a", [None, 4])
    b = g.input("b", [None, 4])
    d = g(layer("Subtract", "subtract"), [a, b])
    e = g(layer("ELU", "elu", alpha=0.7), d)
    out = g(dense("dense", 3, "exponential"), e)
    w.dense("dense", 4, 3)
    return ZooModel("beyond_tfjs", g.config(out), w.w, [_x(w.rng, 2, 4), _x(w.rng, 2, 4)], tfjs=False,
                    why_not_tfjs="TensorFlow.js has no Subtract layer, no ELU alpha != 1 and no "
                                 "'exponential' activation")


def rnn_stack():
    """`recurrent` without its Embedding and Concatenate: SimpleRNN (sequences) -> LSTM
    (sequences, return_state) -> GRU (reset_after=false), and Bidirectional(LSTM) beside it."""
    w = Weights(13)
    g = Graph("rnn_stack")
    x = g.input("x", [None, 7, 5])
    s = g(rnn("SimpleRNN", "simple_rnn", 6, return_sequences=True), x)
    l, h, c = g(rnn("LSTM", "lstm", 4, return_sequences=True, return_state=True), s, outputs=3)
    gru = g(rnn("GRU", "gru", 3, reset_after=False), l)
    bi = g(layer("Bidirectional", "bidirectional", merge_mode="concat",
                 layer=rnn("LSTM", "lstm_1", 2)), s)
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 5, 6))
    w.add("lstm", *w.rnn("lstm", "LSTM", 6, 4))
    w.add("gru", *w.rnn("gru", "GRU", 4, 3))
    w.add("bidirectional", *w.rnn("f", "LSTM", 6, 2), *w.rnn("b", "LSTM", 6, 2))
    return ZooModel("rnn_stack", g.config([gru, bi, h, c]), w.w, [_x(w.rng, 2, 7, 5)])


def rnn_states():
    """return_state: SimpleRNN [output, h], GRU [sequence, h], Bidirectional(LSTM) with sequences
    [output, h_fwd, c_fwd, h_bwd, c_bwd]."""
    w = Weights(14)
    g = Graph("rnn_states")
    x = g.input("x", [None, 6, 4])
    s, sh = g(rnn("SimpleRNN", "simple_rnn", 5, return_state=True), x, outputs=2)
    gs, gh = g(rnn("GRU", "gru", 3, return_sequences=True, return_state=True, reset_after=False), x,
               outputs=2)
    bi = g(layer("Bidirectional", "bidirectional", merge_mode="concat",
                 layer=rnn("LSTM", "lstm", 3, return_sequences=True, return_state=True)), gs,
           outputs=5)
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 4, 5))
    w.add("gru", *w.rnn("gru", "GRU", 4, 3))
    w.add("bidirectional", *w.rnn("f", "LSTM", 3, 3), *w.rnn("b", "LSTM", 3, 3))
    return ZooModel("rnn_states", g.config([s, sh, gh, *bi]), w.w, [_x(w.rng, 2, 6, 4)])


def rnn_go_backwards():
    """go_backwards: LSTM and SimpleRNN sequences (returned in reversed order), GRU's last state,
    and Bidirectional around a layer that already goes backwards (its backward half goes forward)."""
    w = Weights(15)
    g = Graph("rnn_go_backwards")
    x = g.input("x", [None, 5, 3])
    l = g(rnn("LSTM", "lstm", 4, return_sequences=True, go_backwards=True), x)
    s = g(rnn("SimpleRNN", "simple_rnn", 2, return_sequences=True, go_backwards=True), l)
    gru = g(rnn("GRU", "gru", 3, reset_after=False, go_backwards=True), x)
    bi = g(layer("Bidirectional", "bidirectional", merge_mode="concat",
                 layer=rnn("SimpleRNN", "simple_rnn_1", 3, return_sequences=True,
                           go_backwards=True)), x)
    w.add("lstm", *w.rnn("lstm", "LSTM", 3, 4))
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 4, 2))
    w.add("gru", *w.rnn("gru", "GRU", 3, 3))
    w.add("bidirectional", *w.rnn("f", "SimpleRNN", 3, 3), *w.rnn("b", "SimpleRNN", 3, 3))
    return ZooModel("rnn_go_backwards", g.config([s, gru, bi]), w.w, [_x(w.rng, 2, 5, 3)])


def bidirectional_merge():
    """Bidirectional's merge modes: sum (GRU sequences), mul (SimpleRNN), ave (LSTM sequences),
    None (LSTM: two outputs)."""
    w = Weights(16)
    g = Graph("bidirectional_merge")
    x = g.input("x", [None, 6, 4])
    outs = []
    for mode, cls, units, seqs in (("sum", "GRU", 3, True), ("mul", "SimpleRNN", 3, False),
                                   ("ave", "LSTM", 3, True), (None, "LSTM", 2, False)):
        name = f"bidirectional_{mode or 'none'}"
        extra = {"reset_after": False} if cls == "GRU" else {}
        o = g(layer("Bidirectional", name, merge_mode=mode,
                    layer=rnn(cls, f"{cls.lower()}_{mode or 'none'}", units, return_sequences=seqs,
                              **extra)), x, outputs=2 if mode is None else 1)
        outs += o if mode is None else [o]
        w.add(name, *w.rnn("f", cls, 4, units), *w.rnn("b", cls, 4, units))
    return ZooModel("bidirectional_merge", g.config(outs), w.w, [_x(w.rng, 2, 6, 4)])


def time_distributed_dense():
    """TimeDistributed(Dense relu) on a rank-4 input, TimeDistributed(Flatten) (no weights),
    TimeDistributed(Dense), then a SimpleRNN over the steps."""
    w = Weights(17)
    config = sequential("time_distributed_dense", [None, 3, 4, 2], [
        layer("TimeDistributed", "time_distributed", layer=dense("dense", 3, "relu")),
        layer("TimeDistributed", "time_distributed_1",
              layer=layer("Flatten", "flatten", data_format="channels_last")),
        layer("TimeDistributed", "time_distributed_2", layer=dense("dense_1", 2)),
        rnn("SimpleRNN", "simple_rnn", 2),
    ], input_name="time_distributed_input")
    w.dense("time_distributed", 2, 3)
    w.dense("time_distributed_2", 12, 2)
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 2, 2))
    return ZooModel("time_distributed_dense", config, w.w, [_x(w.rng, 2, 3, 4, 2)])


def lstm_hard_sigmoid():
    """LSTM and GRU (reset_after=false) with Keras 2's hard_sigmoid gates, inputs large enough to
    reach its clipped ends. TensorFlow.js computes Keras 2's hard_sigmoid, so only the .h5 file
    is compared with it (test_keras_recurrent.py checks the .keras one, Keras 3's hard_sigmoid)."""
    w = Weights(18)
    config = sequential("lstm_hard_sigmoid", [None, 6, 3], [
        rnn("LSTM", "lstm", 4, return_sequences=True, recurrent_activation="hard_sigmoid"),
        rnn("GRU", "gru", 3, reset_after=False, recurrent_activation="hard_sigmoid"),
    ], input_name="lstm_input")
    w.add("lstm", *w.rnn("lstm", "LSTM", 3, 4))
    w.add("gru", *w.rnn("gru", "GRU", 4, 3))
    w.w = {k: [(n, v * 4) for n, v in vs] for k, vs in w.w.items()}
    return ZooModel("lstm_hard_sigmoid", config, w.w, [_x(w.rng, 2, 6, 3) * 2], files=(".h5",))


def simple_rnn_relu():
    """SimpleRNN with relu (sequences), then another SimpleRNN with relu."""
    w = Weights(19)
    config = sequential("simple_rnn_relu", [None, 5, 3], [
        rnn("SimpleRNN", "simple_rnn", 4, return_sequences=True, activation="relu"),
        rnn("SimpleRNN", "simple_rnn_1", 3, activation="relu"),
    ], input_name="simple_rnn_input")
    w.add("simple_rnn", *w.rnn("simple_rnn", "SimpleRNN", 3, 4))
    w.add("simple_rnn_1", *w.rnn("simple_rnn_1", "SimpleRNN", 4, 3))
    return ZooModel("simple_rnn_relu", config, w.w, [_x(w.rng, 2, 5, 3)])


def layer_norm(name, axis, center=True, scale=True, epsilon=0.001):
    return layer("LayerNormalization", name, axis=axis, epsilon=epsilon, center=center, scale=scale,
                 beta_initializer=ZEROS, gamma_initializer=ONES, beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)


def embedding_merges():
    """Embedding on float token ids (Keras casts them), Concatenate on inner axes, Dot (plain and
    normalized), and elementwise merges that broadcast a lower-rank input after the batch axis."""
    w = Weights(13)
    g = Graph("embedding_merges")
    tokens = g.input("tokens", [None, 5])  # float32 holding whole numbers
    feats = g.input("feats", [None, 5, 3])
    gate = g.input("gate", [None, 4])
    e = g(layer("Embedding", "embedding", input_dim=12, output_dim=4, embeddings_initializer={
        "class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
        mask_zero=False, input_length=None), tokens)
    d = g(dense("dense", 4, "tanh"), feats)
    along_time = g(layer("Concatenate", "concat_time", axis=1), [e, d])        # (10, 4)
    along_features = g(layer("Concatenate", "concat_features", axis=-1), [e, d, feats])  # (5, 11)
    scores = g(layer("Dot", "dot", axes=[2, 2], normalize=False), [e, d])     # (5, 5)
    cosine = g(layer("Dot", "dot_cosine", axes=2, normalize=True), [d, e])    # (5, 5)
    gated = g(layer("Multiply", "gated"), [along_time, gate])                 # gate as (1, 4)
    shifted = g(layer("Add", "shifted"), [gate, along_time])                  # lower rank first
    biggest = g(layer("Maximum", "biggest"), [scores, cosine])
    w.add("embedding", ("embeddings", w.normal(12, 4)))
    w.dense("dense", 3, 4)
    ids = w.rng.integers(0, 12, (2, 5)).astype(np.float32)
    return ZooModel("embedding_merges", g.config([along_features, gated, shifted, biggest]), w.w,
                    [ids, _x(w.rng, 2, 5, 3), _x(w.rng, 2, 4)])


def layer_norm_axes():
    """LayerNormalization over several axes (all inner ones, a trailing pair, a middle one), without
    center or scale, with a larger epsilon."""
    w = Weights(14)
    g = Graph("layer_norm_axes")
    x = g.input("x", [None, 3, 4, 5])
    a = g(layer_norm("ln_all", [1, 2, 3]), x)
    b = g(layer_norm("ln_trailing", [-2, -1], center=False), a)
    c = g(layer_norm("ln_middle", [2], scale=False, epsilon=0.1), b)
    d = g(layer_norm("ln_last", -1), c)
    w.add("ln_all", ("gamma", 1 + w.normal(3, 4, 5)), ("beta", w.normal(3, 4, 5)))
    w.add("ln_trailing", ("gamma", 1 + w.normal(4, 5)))
    w.add("ln_middle", ("beta", w.normal(4)))
    w.add("ln_last", ("gamma", 1 + w.normal(5)), ("beta", w.normal(5)))
    return ZooModel("layer_norm_axes", g.config(d), w.w, [_x(w.rng, 2, 3, 4, 5) * 3 + 1])


def preprocessing():
    """Normalization (adapted: mean/variance/count weights; and given in the config, inverted),
    UnitNormalization, Resizing (bilinear down, nearest up, crop_to_aspect_ratio) and CenterCrop
    (cropping, and resizing up when the image is smaller)."""
    w = Weights(15)
    g = Graph("preprocessing")
    x = g.input("image", [None, 6, 8, 2])
    n = g(layer("Normalization", "normalization", axis=[-1], mean=None, variance=None,
                invert=False), x)
    down = g(layer("Resizing", "resize_down", height=4, width=5, interpolation="bilinear",
                   crop_to_aspect_ratio=False), n)
    up = g(layer("Resizing", "resize_up", height=9, width=11, interpolation="nearest",
                 crop_to_aspect_ratio=False), down)
    square = g(layer("Resizing", "resize_square", height=5, width=5, interpolation="bilinear",
                     crop_to_aspect_ratio=True), n)
    crop = g(layer("CenterCrop", "center_crop", height=5, width=6), up)
    grow = g(layer("CenterCrop", "center_crop_up", height=7, width=9), square)
    given = g(layer("Normalization", "denormalize", axis=[1, 3], mean=[[0.5, -1.0]],
                    variance=[[4.0, 0.25], [1.0, 9.0], [0.5, 2.0], [1.5, 1.0], [3.0, 0.0],
                              [2.0, 1.0], [1.0, 1.0]], invert=True), grow)
    unit = g(layer("UnitNormalization", "unit_normalization", axis=[1, 2]), crop)
    w.add("normalization", ("mean", w.normal(2)), ("variance", w.rng.uniform(0.5, 2.0, 2)))
    w.w["normalization"].append(("count", np.array(120, dtype=np.int64)))
    return ZooModel("preprocessing", g.config([given, unit]), w.w, [_x(w.rng, 2, 6, 8, 2)],
                    tfjs=False, why_not_tfjs="TensorFlow.js has no Normalization or "
                    "UnitNormalization, and its Resizing and CenterCrop sample differently "
                    "(align_corners, crop_and_resize) from TensorFlow")


def attention():
    """MultiHeadAttention: cross-attention with value and key given by keyword, self-attention
    (key = value = query), and attention over one inner axis of a rank-4 input with a 2-D
    output_shape and no biases."""
    w = Weights(16)
    g = Graph("attention")
    q = g.input("query", [None, 4, 6])
    v = g.input("value", [None, 5, 3])
    k = g.input("key", [None, 5, 2])
    grid = g.input("grid", [None, 2, 3, 4])

    def mha(name, heads, key_dim, value_dim=None, use_bias=True, output_shape=None, axes=None):
        return layer("MultiHeadAttention", name, num_heads=heads, key_dim=key_dim,
                     value_dim=value_dim, dropout=0.0, use_bias=use_bias,
                     output_shape=output_shape, attention_axes=axes,
                     kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None)

    cross = g(mha("cross", 2, 3, value_dim=2), q, kwargs={"value": v, "key": k})
    self_att = g(mha("self", 3, 2), cross, kwargs={"value": cross})
    inner = g(mha("inner", 2, 2, use_bias=False, output_shape=[3, 2], axes=[2]), grid,
              kwargs={"value": grid})

    def projections(name, dims, heads, key_dim, value_dim, out, use_bias=True):
        dq, dk, dv = dims
        pairs = []
        for part, d_in, d_out in (("query", dq, key_dim), ("key", dk, key_dim),
                                  ("value", dv, value_dim)):
            pairs.append((f"{part}/kernel", w.normal(d_in, heads, d_out)))
            if use_bias:
                pairs.append((f"{part}/bias", w.normal(heads, d_out)))
        pairs.append(("attention_output/kernel", w.normal(heads, value_dim, *out)))
        if use_bias:
            pairs.append(("attention_output/bias", w.normal(*out)))
        w.add(name, *pairs)

    projections("cross", (6, 2, 3), 2, 3, 2, [6])
    projections("self", (6, 6, 6), 3, 2, 2, [6])
    projections("inner", (4, 4, 4), 2, 2, 2, [3, 2], use_bias=False)
    return ZooModel("attention", g.config([self_att, inner]), w.w,
                    [_x(w.rng, 2, 4, 6), _x(w.rng, 2, 5, 3), _x(w.rng, 2, 5, 2),
                     _x(w.rng, 2, 2, 3, 4)],
                    tfjs=False, why_not_tfjs="TensorFlow.js's Functional loader cannot pass "
                    "MultiHeadAttention its value and key tensors (keyword arguments)")


ZOO = {f.__name__: f for f in (dense_classifier, digits_cnn, two_inputs_two_outputs,
                               transfer_learning, conv1d, recurrent, gru_reset_after, conv_variety,
                               activations, shape_and_merge, beyond_tfjs, rnn_stack, rnn_states,
                               rnn_go_backwards, bidirectional_merge, time_distributed_dense,
                               lstm_hard_sigmoid, simple_rnn_relu, embedding_merges,
                               layer_norm_axes, preprocessing, attention, conv_geometry,
                               conv1d_geometry, conv3d, conv1d_beyond_tfjs, conv_beyond_tfjs)}


def all_models():
    return [f() for f in ZOO.values()]
