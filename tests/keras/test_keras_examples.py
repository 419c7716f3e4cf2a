# The bundled Keras files (models/digits_cnn.h5 and .keras, written by tools/make_keras_example.py
# from models/digits_cnn.onnx) compute what the ONNX model computes: for every sample digit, read
# from its PNG as a user would give it, the probabilities agree within 1e-5 and the predicted class
# is the one models/digits/expected_predictions.csv records.
#
#   cd tests/keras && LAYERSCOPE=build/layerscope LAYERSCOPE_SOURCE_DIR=. /usr/bin/python3 -m unittest -v test_keras_examples
import csv
import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = Path(os.environ.get("LAYERSCOPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MODELS = SOURCE / "models"


def final_output(model, image, dump):
    proc = subprocess.run([BINARY, "run", str(model), "--input", str(image), "--dump", str(dump)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"run {model} failed: {proc.stderr}")
    index = json.loads((dump / "index.json").read_text())
    return np.load(dump / index[-1]["file"]), index


class BundledKerasExampleTest(unittest.TestCase):
    def test_keras_files_agree_with_the_onnx_model_on_every_sample_digit(self):
        with open(MODELS / "digits" / "expected_predictions.csv") as f:
            expected = {row["file"]: int(row["predicted"]) for row in csv.DictReader(f)}
        self.assertEqual(len(expected), 20)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for stem, predicted in sorted(expected.items()):
                image = MODELS / "digits" / f"{stem}.png"
                onnx_out, _ = final_output(MODELS / "digits_cnn.onnx", image, tmp / f"{stem}_onnx")
                for suffix in (".h5", ".keras"):
                    with self.subTest(digit=stem, file=suffix):
                        out, index = final_output(MODELS / f"digits_cnn{suffix}", image,
                                                  tmp / f"{stem}{suffix}")
                        self.assertEqual([e["layer"] for e in index],
                                         ["conv2d", "max_pooling2d", "dropout", "flatten", "dense"])
                        self.assertEqual(out.shape, (1, 10))
                        np.testing.assert_allclose(out, onnx_out, atol=1e-5)
                        self.assertEqual(int(out.argmax()), predicted)


if __name__ == "__main__":
    unittest.main()
