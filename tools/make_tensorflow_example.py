#!/usr/bin/python3
"""Write the bundled digits CNN as the frozen TensorFlow graph a TensorFlow user would hold.

Usage (from the repository root, Debian's interpreter):

    /usr/bin/python3 tools/make_tensorflow_example.py [MODELS_DIR]

Reads ``MODELS_DIR/digits_cnn.h5`` (made by make_keras_example.py) and writes
``MODELS_DIR/digits_cnn.pb``: the same network with the same trained weights as a frozen GraphDef,
named and shaped as TensorFlow 2 freezes a Keras model (variables turned into constants, the
layers' ops under their name scopes, the output behind an Identity):

    image                 Placeholder  [?, 28, 28, 1]
    digits_cnn/conv2d/    Conv2D (VALID, HWIO kernel) -> BiasAdd -> Relu
    digits_cnn/max_pooling2d/MaxPool  2x2
    digits_cnn/dropout/Identity       (dropout at inference)
    digits_cnn/flatten/Reshape        [-1, 5408]
    digits_cnn/dense/     MatMul -> BiasAdd -> Softmax
    Identity

tests/tensorflow/test_tf_examples.py checks it gives the Keras and ONNX files' probabilities.
Nothing is random: re-running reproduces the file byte for byte.
"""
import sys
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tensorflow"))
from tf_graphs import GraphBuilder  # noqa: E402


def digits_graph(weights):
    """The GraphDef of the digits CNN from its Keras weights {"conv2d/kernel": array, ...}."""
    g = GraphBuilder()
    f32 = np.float32
    x = g.placeholder("image", f32, [None, 28, 28, 1])
    scope = "digits_cnn/conv2d/"
    kernel = g.const(scope + "kernel", weights["conv2d/kernel"])
    bias = g.const(scope + "bias", weights["conv2d/bias"])
    y = g.op("Conv2D", scope + "Conv2D", [x, kernel], T=f32, strides=[1, 1, 1, 1],
             padding="VALID", data_format="NHWC", dilations=[1, 1, 1, 1], use_cudnn_on_gpu=True,
             explicit_paddings=[])
    y = g.op("BiasAdd", scope + "BiasAdd", [y, bias], T=f32, data_format="NHWC")
    y = g.op("Relu", scope + "Relu", [y], T=f32)
    y = g.op("MaxPool", "digits_cnn/max_pooling2d/MaxPool", [y], T=f32, ksize=[1, 2, 2, 1],
             strides=[1, 2, 2, 1], padding="VALID", data_format="NHWC")
    y = g.op("Identity", "digits_cnn/dropout/Identity", [y], T=f32)
    shape = g.const("digits_cnn/flatten/Const", np.array([-1, 13 * 13 * 32], np.int32))
    y = g.op("Reshape", "digits_cnn/flatten/Reshape", [y, shape], T=f32, Tshape=np.int32)
    scope = "digits_cnn/dense/"
    kernel = g.const(scope + "kernel", weights["dense/kernel"])
    bias = g.const(scope + "bias", weights["dense/bias"])
    y = g.op("MatMul", scope + "MatMul", [y, kernel], T=f32, transpose_a=False, transpose_b=False)
    y = g.op("BiasAdd", scope + "BiasAdd", [y, bias], T=f32, data_format="NHWC")
    y = g.op("Softmax", scope + "Softmax", [y], T=f32)
    g.op("Identity", "Identity", [y], T=f32)
    return g


def keras_weights(path):
    weights = {}
    with h5py.File(path, "r") as f:
        for layer in ("conv2d", "dense"):
            for name in ("kernel", "bias"):
                weights[f"{layer}/{name}"] = np.asarray(f[f"model_weights/{layer}/{layer}/{name}:0"])
    return weights


def main(argv):
    models = Path(argv[1]) if len(argv) > 1 else ROOT / "models"
    graph = digits_graph(keras_weights(models / "digits_cnn.h5"))
    graph.save_pb(models / "digits_cnn.pb")
    print(f"wrote {models / 'digits_cnn.pb'}")


if __name__ == "__main__":
    main(sys.argv)
