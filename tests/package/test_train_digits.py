"""examples/train_digits against the installed package: built with find_package(layerscope) and
find_package(Torch), run for a few epochs, and its event file read back two ways: with
`layerscope events --json` and, record by record, with protobuf's own parser (classes built from
our .proto files by protoc) so the per-epoch values can be compared. PNGs are decoded by Pillow.

Run by CTest with Debian's python3. Environment: LAYERSCOPE (the CLI), LAYERSCOPE_SOURCE_DIR,
LAYERSCOPE_BUILD_DIR (installed into and the example built under <build>/train_digits, kept
between runs so a re-run only recompiles what changed), PROTOC.
"""
import io
import json
import os
import re
import struct
import subprocess
import tempfile
import time
import unittest

import numpy as np
from google.protobuf import descriptor_pb2, message_factory
from PIL import Image

LAYERSCOPE = os.environ["LAYERSCOPE"]
SOURCE = os.environ["LAYERSCOPE_SOURCE_DIR"]
BUILD = os.environ["LAYERSCOPE_BUILD_DIR"]
PROTOC = os.environ.get("PROTOC", "protoc")
DATA = os.path.join(SOURCE, "models", "digits_8x8")
WORK = os.path.join(BUILD, "train_digits")
PROGRAM = os.path.join(WORK, "build", "train_digits")
EPOCHS = 3
LAYERS = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc"]
WEIGHTS = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]
SAMPLES = 1797
VALIDATION = SAMPLES // 5


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=1200, **kwargs)


def check(result):
    if result.returncode != 0:
        raise AssertionError("%s failed:\n%s%s" % (result.args, result.stdout, result.stderr))
    return result


def event_class():
    """tensorboard.Event from our .proto files, parsed by protobuf rather than by our reader."""
    descriptors = os.path.join(WORK, "event.desc")
    check(run(PROTOC, "--include_imports", "--descriptor_set_out=" + descriptors,
              "-I" + os.path.join(SOURCE, "src"),
              os.path.join(SOURCE, "src", "tensorboard", "proto", "event.proto")))
    with open(descriptors, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
    return message_factory.GetMessages(files)["tensorboard.Event"]


def read_events(path, event):
    """The Events of a TFRecord file (length, its CRC, data, data CRC; CRCs are checked by
    `layerscope events`)."""
    with open(path, "rb") as f:
        data = f.read()
    events, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        events.append(event.FromString(data[offset + 12:offset + 12 + length]))
        offset += 12 + length + 4
    return events


class TrainDigitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        prefix = os.path.join(WORK, "prefix")
        check(run("cmake", "--install", BUILD, "--prefix", prefix))
        check(run("cmake", "-S", os.path.join(SOURCE, "examples", "train_digits"), "-B",
                  os.path.join(WORK, "build"), "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix,
                  "-DCMAKE_BUILD_TYPE=Release"))
        start = time.monotonic()
        check(run("cmake", "--build", os.path.join(WORK, "build")))
        print("train_digits built in %.1f s" % (time.monotonic() - start))
        cls.tmp = tempfile.TemporaryDirectory()
        cls.logdir = os.path.join(cls.tmp.name, "runs", "digits")
        start = time.monotonic()
        cls.result = run(PROGRAM, DATA, cls.logdir, str(EPOCHS))
        print("train_digits ran %d epochs in %.1f s" % (EPOCHS, time.monotonic() - start))
        print(cls.result.stdout, end="")
        cls.event = event_class()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def printed_epochs(self):
        """(train loss, train accuracy, validation loss, validation accuracy) per printed epoch."""
        number = r"([0-9.]+)"
        pattern = re.compile(r"epoch (\d+)/%d: loss %s accuracy %s, validation loss %s accuracy %s"
                             % (EPOCHS, number, number, number, number))
        rows = [pattern.match(line) for line in self.result.stdout.splitlines()]
        return [tuple(float(v) for v in m.groups()[1:]) for m in rows if m]

    def event_file(self):
        names = [n for n in os.listdir(self.logdir) if n.startswith("events.out.tfevents.")]
        self.assertEqual(len(names), 1, names)
        return os.path.join(self.logdir, names[0])

    def values(self, tag):
        """(step, Summary.Value) of every value logged under `tag`, in file order."""
        return [(e.step, v) for e in read_events(self.event_file(), self.event)
                for v in e.summary.value if v.tag == tag]

    def test_trains_and_prints_each_epoch(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(self.result.stderr, "")
        lines = self.result.stdout.splitlines()
        self.assertIn("%d training and %d validation digits; event file: %s" % (
            SAMPLES - VALIDATION, VALIDATION, self.event_file()), lines[0])
        epochs = self.printed_epochs()
        self.assertEqual(len(epochs), EPOCHS)
        train_losses = [e[0] for e in epochs]
        self.assertEqual(train_losses, sorted(train_losses, reverse=True))
        self.assertLess(epochs[-1][2], epochs[0][2])  # validation loss
        self.assertGreater(epochs[-1][3], 0.8)  # validation accuracy; chance is 0.1
        self.assertEqual(lines[-1], "tensorboard --logdir " + self.logdir)

    def test_events_lists_scalars_histograms_and_images_per_epoch(self):
        r = run(LAYERSCOPE, "events", self.logdir, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = json.loads(r.stdout)["runs"]
        self.assertEqual([run_["run"] for run_ in runs], ["."])
        self.assertFalse(runs[0]["files"][0]["truncated"])
        tags = {t["tag"]: t for t in runs[0]["tags"]}
        per_epoch = {"loss/train": "scalar", "accuracy/train": "scalar",
                     "loss/validation": "scalar", "accuracy/validation": "scalar",
                     "feature_maps/conv1": "image"}
        per_epoch.update({"activations/" + name: "histogram" for name in LAYERS})
        per_epoch.update({"weights/" + name: "histogram" for name in WEIGHTS})
        self.assertEqual(sorted(tags), sorted(list(per_epoch) + ["input"]))
        for tag, kind in per_epoch.items():
            self.assertEqual((tags[tag]["kind"], tags[tag]["steps"], tags[tag]["first_step"],
                              tags[tag]["last_step"]), (kind, EPOCHS, 0, EPOCHS - 1), tag)
        self.assertEqual((tags["input"]["kind"], tags["input"]["steps"]), ("image", 1))
        last = self.printed_epochs()[-1]
        for tag, printed in zip(["loss/train", "accuracy/train", "loss/validation",
                                 "accuracy/validation"], last):
            self.assertAlmostEqual(tags[tag]["last_value"], printed, places=4, msg=tag)

    def test_losses_in_the_file_decrease(self):
        for tag in ["loss/train", "loss/validation"]:
            logged = self.values(tag)
            self.assertEqual([step for step, _ in logged], list(range(EPOCHS)))
            losses = [v.simple_value for _, v in logged]
            self.assertLess(losses[-1], losses[0], tag)
        train = [v.simple_value for _, v in self.values("loss/train")]
        self.assertEqual(train, sorted(train, reverse=True))

    def test_activation_histograms_cover_the_validation_set(self):
        maps = {"conv1": 8 * 8 * 8, "relu1": 8 * 8 * 8, "pool1": 8 * 4 * 4,
                "conv2": 16 * 4 * 4, "relu2": 16 * 4 * 4, "pool2": 16 * 2 * 2, "fc": 10}
        for name, per_image in maps.items():
            for step, value in self.values("activations/" + name):
                histo = value.histo
                self.assertEqual(histo.num, VALIDATION * per_image, name)
                self.assertEqual(sum(histo.bucket), histo.num, name)
                if name.startswith(("relu", "pool")):  # after a ReLU
                    self.assertGreaterEqual(histo.min, 0, name)
                else:
                    self.assertLess(histo.min, 0, name)
        weights = self.values("weights/conv1.weight")
        self.assertEqual(weights[0][1].histo.num, 8 * 1 * 3 * 3)
        # The weights moved between epochs.
        self.assertNotEqual(weights[0][1].histo.sum, weights[-1][1].histo.sum)

    def test_feature_maps_are_a_grid_of_the_first_convolutions_channels(self):
        grids = self.values("feature_maps/conv1")
        self.assertEqual(len(grids), EPOCHS)
        # 8 channels of 8x8 shown 4x larger: 3 columns, 3 rows of 32x32 tiles, 2 px apart.
        side = 2 + 3 * (32 + 2)
        for _, value in grids:
            self.assertEqual((value.image.width, value.image.height), (side, side))
            png = Image.open(io.BytesIO(value.image.encoded_image_string))
            self.assertEqual((png.size, png.mode), ((side, side), "L"))
            # Each channel is scaled to [0, 1] on its own, so a tile spans black to white.
            first_tile = png.crop((2, 2, 34, 34))
            self.assertEqual(first_tile.getextrema(), (0, 255))
        (_, image), = self.values("input")
        self.assertEqual((image.image.width, image.image.height), (32, 32))

    def test_bad_input_is_one_clear_line(self):
        cases = [
            ((os.path.join(self.tmp.name, "missing"), self.logdir), "missing/images.npy"),
            ((os.path.join(SOURCE, "models", "digits"), self.logdir), "images.npy"),
            ((DATA, self.logdir, "0"), "EPOCHS: expected a whole number from 1 to 1000, got '0'"),
            ((DATA, self.logdir, "2x"), "got '2x'"),
        ]
        float_images = os.path.join(self.tmp.name, "float_images")
        os.makedirs(float_images)
        with open(os.path.join(SOURCE, "models", "digits", "digit_00_label_0.npy"), "rb") as src, \
                open(os.path.join(float_images, "images.npy"), "wb") as dst:
            dst.write(src.read())
        cases.append(((float_images, self.logdir),
                      "images.npy: expected uint8 images of shape [N,8,8], got float32 1x1x28x28"))
        for name, labels, expected in [
                ("short_labels", np.zeros(5, np.uint8),
                 "labels.npy: expected uint8 labels of shape [1797] (one per image), got uint8 5"),
                ("big_labels", np.full(SAMPLES, 12, np.uint8),
                 "labels.npy: expected labels 0..9, found 12")]:
            folder = os.path.join(self.tmp.name, name)
            os.makedirs(folder)
            np.save(os.path.join(folder, "images.npy"), np.load(os.path.join(DATA, "images.npy")))
            np.save(os.path.join(folder, "labels.npy"), labels)
            cases.append(((folder, self.logdir), expected))
        not_a_folder = os.path.join(float_images, "images.npy")
        cases.append(((DATA, os.path.join(not_a_folder, "runs")), not_a_folder))
        for args, expected in cases:
            r = run(PROGRAM, *args)
            self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            self.assertIn(expected, r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        r = run(PROGRAM)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: train_digits DATA_DIR LOGDIR [EPOCHS]", r.stderr)


if __name__ == "__main__":
    unittest.main()
