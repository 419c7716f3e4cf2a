#!/usr/bin/python3
"""Write the bundled digits CNN as the Keras files a Keras user would hold.

Usage (from the repository root, Debian's interpreter):

    /usr/bin/python3 tools/make_keras_example.py [MODELS_DIR]

Reads ``MODELS_DIR/digits_cnn.onnx`` (made by make_example_models.py) and writes the same network
with the same trained weights, laid out as Keras holds it (images NHWC, kernels (kh, kw, in, out)):

    digits_cnn.h5      as tf.keras 2.11 `model.save("digits_cnn.h5")` writes it
    digits_cnn.keras   as Keras 3.5 `model.save("digits_cnn.keras")` writes it

    image (None, 28, 28, 1)
      -> conv2d         Conv2D(32, 3x3, relu)
      -> max_pooling2d  MaxPooling2D(2x2)
      -> dropout        Dropout(0.25)  (identity at inference)
      -> flatten        Flatten        (13*13*32 = 5408, in NHWC order)
      -> dense          Dense(10, softmax)

The Flatten runs over (h, w, c) in Keras and over (c, h, w) in the ONNX model, so the dense
kernel's rows are permuted to match: both files give the ONNX model's probabilities for the same
image (tests/keras/test_keras_examples.py checks it). Nothing is random: re-running reproduces the
.h5 byte for byte and the .keras but for its zip entries' timestamps.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "keras"))
import keras_files  # noqa: E402
import model_zoo as zoo  # noqa: E402


def main(argv):
    models = Path(argv[1]) if len(argv) > 1 else ROOT / "models"
    onnx_model = onnx.load(str(models / "digits_cnn.onnx"))
    w = {t.name: numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    conv_w, conv_b = w["conv1.weight"], w["conv1.bias"]  # (32, 1, 3, 3)
    fc_w, fc_b = w["fc.weight"], w["fc.bias"]  # (10, 5408) over (c, h, w)
    kernel = np.ascontiguousarray(conv_w.transpose(2, 3, 1, 0))  # (3, 3, 1, 32)
    dense = np.ascontiguousarray(fc_w.reshape(10, 32, 13, 13).transpose(2, 3, 1, 0)
                                 .reshape(13 * 13 * 32, 10))
    config = zoo.sequential("digits_cnn", [None, 28, 28, 1], [
        zoo.conv("Conv2D", "conv2d", 32, (3, 3), activation="relu"),
        zoo.pool("MaxPooling2D", "max_pooling2d", (2, 2)),
        zoo.layer("Dropout", "dropout", rate=0.25, noise_shape=None, seed=None),
        zoo.layer("Flatten", "flatten", data_format="channels_last"),
        zoo.dense("dense", 10, "softmax"),
    ], input_name="image")
    weights = {"conv2d": [("kernel", kernel), ("bias", conv_b)],
               "dense": [("kernel", dense), ("bias", fc_b)]}
    keras_files.write_keras2_h5(models / "digits_cnn.h5", config, weights)
    keras_files.write_keras3(models / "digits_cnn.keras", config, weights, optimizer=False,
                             date_saved="2026-12-04@12:00:00")
    print(f"wrote {models / 'digits_cnn.h5'} and {models / 'digits_cnn.keras'}")


if __name__ == "__main__":
    main(sys.argv)
