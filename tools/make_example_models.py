#!/usr/bin/python3
"""Generate the example ONNX models and sample inputs used by layerscope.

Usage (from the repository root; use Debian's interpreter, not a pyenv one):

    /usr/bin/python3 tools/make_example_models.py [OUT_DIR]

OUT_DIR defaults to ``models/`` at the repository root (the parent of this
``tools/`` directory).  Nothing is downloaded: the only data set used is
``sklearn.datasets.load_digits``, which ships inside scikit-learn.  Everything
is seeded and runs single-threaded, so re-running on the same package
versions (Debian python3-torch 1.13.1, python3-onnx 1.12, python3-sklearn,
python3-numpy, python3-pil) reproduces the same files.  Training takes a few
seconds of CPU time.

What it writes into OUT_DIR
---------------------------

``digits_cnn.onnx``  (54,410 parameters, ~219 KB, opset 13)
    The classic tutorial CNN::

        image [batch,1,28,28]
          -> conv1   Conv2d(1->32, 3x3, no padding)    /conv1/Conv
          -> relu1   ReLU                              /relu1/Relu
          -> pool1   MaxPool 2x2, stride 2             /pool1/MaxPool
          -> flatten Flatten (32*13*13 = 5408)         /flatten/Flatten
          -> fc      Linear(5408->10)                  /fc/Gemm
          -> softmax Softmax(axis=1)                   /softmax/Softmax
        -> probabilities [batch,10]

    Trained on sklearn's 8x8 digits (0..16 grey levels) upscaled to 28x28
    with bilinear interpolation (align_corners=False), divided by 16 so the
    values lie in [0,1], then rounded to 8-bit levels (k/255).  That last
    step makes the PNG files below *exactly* equal to the .npy inputs once
    decoded as ``uint8 / 255`` (in float32).  A Dropout(0.25) after pool1 is
    used during training only; it is not present in the exported graph.
    Split: stratified 75/25 train/test, random_state=0.

``digits/``
    20 held-out test digits, 2 per class (the first two of each class in the
    test split), numbered 00..19 in class order.  They are not all classified
    correctly (currently 19/20); expected_predictions.csv records what the
    model actually predicts, not the label:

    * ``digit_XX_label_Y.npy``  float32 [1,1,28,28], the exact model input
    * ``digit_XX_label_Y.png``  8-bit greyscale 28x28 (white digit on black),
      pixel = round(value*255), i.e. value = pixel/255
    * ``labels.csv``            ``file,label`` (file = base name, no extension)
    * ``expected_predictions.csv``  ``file,predicted,probability`` computed by
      PyTorch from the saved .npy files (probability of the predicted class).

``dense_10_64_10.onnx``  (opset 13)
    x [batch,10] -> fc1 Linear(10->64) -> relu1 -> fc2 Linear(64->10)
    -> softmax -> probabilities [batch,10].
    Trained briefly on a synthetic 10-class problem: x ~ N(0, I_10) and the
    label is argmax(x @ W + b) for a fixed random "teacher" (W, b).

``dense_128_256.onnx``  (opset 13)
    x [batch,64] -> fc1 Linear(64->128) -> relu1 -> fc2 Linear(128->256)
    -> relu2 -> features [batch,256].  The input width is 64.  Not trained:
    the weights are PyTorch's default initialisation under a fixed seed.

``dense_10_64_10_input.npy`` float32 [1,10], ``dense_128_256_input.npy``
float32 [1,64]: sample inputs (standard normal, fixed seed).

Every ONNX file has its batch dimension as the symbolic axis "batch", uses
module-scoped node names (/conv1/Conv, /fc1/Gemm, ...) and initializer names
from the PyTorch state dict (conv1.weight, fc.bias, ...).

Self-check
----------
After writing, the script reloads everything from disk, runs
``onnx.checker``, verifies input/output names and shapes, and evaluates each
ONNX graph with a tiny NumPy interpreter (only the ops these models use) to
confirm that the exported graphs agree with PyTorch on the saved inputs and
that ``expected_predictions.csv`` matches.  It exits non-zero on failure.
"""

import csv
import os
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OPSET = 13
SEED = 0

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)  # identity in eval(), not exported
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32 * 13 * 13, 10)
        self.softmax = nn.Softmax(dim=1)

    def logits(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        return self.fc(self.flatten(self.dropout(x)))

    def forward(self, x):
        return self.softmax(self.logits(x))


class Dense10_64_10(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(64, 10)
        self.softmax = nn.Softmax(dim=1)

    def logits(self, x):
        return self.fc2(self.relu1(self.fc1(x)))

    def forward(self, x):
        return self.softmax(self.logits(x))


class Dense128_256(nn.Module):
    IN_FEATURES = 64

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(self.IN_FEATURES, 128)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(128, 256)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        return self.relu2(self.fc2(self.relu1(self.fc1(x))))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def export(model, example, path, input_name, output_name):
    model.eval()
    torch.onnx.export(
        model, example, str(path),
        opset_version=OPSET,
        input_names=[input_name],
        output_names=[output_name],
        dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}},
        do_constant_folding=True,
        export_params=True,
    )
    onnx.checker.check_model(onnx.load(str(path)))


def train(model, x, y, epochs, batch_size, lr, seed):
    """Mini-batch Adam on cross-entropy over model.logits; deterministic."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = x.shape[0]
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model.logits(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


def upscale_digits(images_8x8):
    """sklearn 8x8 digits (0..16) -> float32 [N,1,28,28] on the k/255 grid."""
    t = torch.from_numpy(images_8x8.astype(np.float32) / np.float32(16.0))
    t = F.interpolate(t.unsqueeze(1), size=(28, 28), mode="bilinear",
                      align_corners=False)
    levels = np.clip(np.rint(t.numpy() * 255.0), 0, 255).astype(np.uint8)
    return levels, levels.astype(np.float32) / np.float32(255.0)


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------

def make_digits_cnn(out_dir):
    torch.manual_seed(SEED)
    digits = load_digits()
    levels, images = upscale_digits(digits.images)
    labels = digits.target.astype(np.int64)
    idx_train, idx_test = train_test_split(
        np.arange(len(labels)), test_size=0.25, random_state=0,
        stratify=labels)

    x_train = torch.from_numpy(images[idx_train])
    y_train = torch.from_numpy(labels[idx_train])
    x_test = torch.from_numpy(images[idx_test])
    y_test = torch.from_numpy(labels[idx_test])

    model = DigitsCNN()
    train(model, x_train, y_train, epochs=8, batch_size=32, lr=3e-3,
          seed=SEED)
    acc_train = accuracy(model, x_train, y_train)
    acc_test = accuracy(model, x_test, y_test)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"digits_cnn: {n_params} params, train {len(idx_train)} samples, "
          f"test {len(idx_test)} samples")
    print(f"digits_cnn: train accuracy {acc_train:.4f}, "
          f"test accuracy {acc_test:.4f}")
    if acc_test <= 0.95:
        raise SystemExit(f"digits_cnn test accuracy too low: {acc_test:.4f}")

    export(model, torch.zeros(1, 1, 28, 28), out_dir / "digits_cnn.onnx",
           "image", "probabilities")

    # Sample digits: first two of each class, in held-out (test) order.
    sample_dir = out_dir / "digits"
    sample_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    k = 0
    for cls in range(10):
        picks = [i for i in idx_test if labels[i] == cls][:2]
        for i in picks:
            base = f"digit_{k:02d}_label_{cls}"
            np.save(sample_dir / f"{base}.npy",
                    np.ascontiguousarray(images[i:i + 1]))
            Image.fromarray(levels[i, 0], mode="L").save(
                sample_dir / f"{base}.png")
            rows.append((base, cls))
            k += 1
    with open(sample_dir / "labels.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "label"])
        w.writerows(rows)

    # Expected predictions, computed from the files as saved on disk.
    with open(sample_dir / "expected_predictions.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "predicted", "probability"])
        correct = 0
        with torch.no_grad():
            for base, cls in rows:
                x = torch.from_numpy(np.load(sample_dir / f"{base}.npy"))
                p = model(x)[0]
                pred = int(p.argmax())
                correct += pred == cls
                w.writerow([base, pred, f"{float(p[pred]):.6f}"])
    print(f"digits_cnn: {correct}/{len(rows)} sample digits correct")
    return model


def make_dense_10_64_10(out_dir):
    torch.manual_seed(SEED + 1)
    gen = torch.Generator().manual_seed(SEED + 1)
    teacher_w = torch.randn(10, 10, generator=gen)
    teacher_b = 0.5 * torch.randn(10, generator=gen)
    x = torch.randn(5000, 10, generator=gen)
    y = (x @ teacher_w + teacher_b).argmax(dim=1)
    x_train, y_train, x_test, y_test = x[:4000], y[:4000], x[4000:], y[4000:]

    model = Dense10_64_10()
    train(model, x_train, y_train, epochs=15, batch_size=64, lr=3e-3,
          seed=SEED + 1)
    print(f"dense_10_64_10: train accuracy "
          f"{accuracy(model, x_train, y_train):.4f}, test accuracy "
          f"{accuracy(model, x_test, y_test):.4f} (synthetic teacher task)")
    export(model, torch.zeros(1, 10), out_dir / "dense_10_64_10.onnx",
           "x", "probabilities")
    sample = torch.randn(1, 10, generator=gen).numpy().astype(np.float32)
    np.save(out_dir / "dense_10_64_10_input.npy", sample)
    return model


def make_dense_128_256(out_dir):
    torch.manual_seed(SEED + 2)
    model = Dense128_256().eval()  # untrained: seeded default init
    export(model, torch.zeros(1, Dense128_256.IN_FEATURES),
           out_dir / "dense_128_256.onnx", "x", "features")
    gen = torch.Generator().manual_seed(SEED + 2)
    sample = torch.randn(1, Dense128_256.IN_FEATURES, generator=gen)
    np.save(out_dir / "dense_128_256_input.npy",
            sample.numpy().astype(np.float32))
    return model


# --------------------------------------------------------------------------
# Self-check: a minimal NumPy evaluator for the ops these graphs use
# --------------------------------------------------------------------------

def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    assert a.get("group", 1) == 1 and set(a.get("dilations", [1, 1])) == {1}
    pads = a.get("pads", [0, 0, 0, 0])
    sh, sw = a.get("strides", [1, 1])
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    y = np.zeros((n, m, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _maxpool(x, a):
    assert a.get("ceil_mode", 0) == 0 and not any(a.get("pads", [0] * 4))
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
    return y


def run_onnx_numpy(model_proto, feeds):
    """Evaluate an ONNX graph in float64 NumPy. Returns {name: array}."""
    env = {t.name: numpy_helper.to_array(t).astype(np.float64)
           for t in model_proto.graph.initializer}
    env.update({k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()})
    for node in model_proto.graph.node:
        a = _attrs(node)
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "Relu":
            out = np.maximum(ins[0], 0.0)
        elif op == "MaxPool":
            out = _maxpool(ins[0], a)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            out = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                out = out + a.get("beta", 1.0) * ins[2]
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(ins[0] - ins[0].max(axis=ax, keepdims=True))
            out = e / e.sum(axis=ax, keepdims=True)
        else:
            raise NotImplementedError(f"self-check: op {op} ({node.name})")
        env[node.output[0]] = out
    return env


def _io_signature(model_proto):
    def sig(v):
        dims = [d.dim_param or d.dim_value
                for d in v.type.tensor_type.shape.dim]
        return v.name, dims
    return ([sig(v) for v in model_proto.graph.input],
            [sig(v) for v in model_proto.graph.output])


def self_check(out_dir, cnn, dense_small, dense_big):
    failures = []

    def expect(cond, msg):
        if not cond:
            failures.append(msg)
            print("FAIL:", msg)

    cases = [
        ("digits_cnn.onnx", cnn, "image", [1, 28, 28], "probabilities", 10,
         None),
        ("dense_10_64_10.onnx", dense_small, "x", [10], "probabilities", 10,
         "dense_10_64_10_input.npy"),
        ("dense_128_256.onnx", dense_big, "x", [64], "features", 256,
         "dense_128_256_input.npy"),
    ]
    sample_dir = out_dir / "digits"
    with open(sample_dir / "expected_predictions.csv") as f:
        expected = list(csv.DictReader(f))
    digit_batch = np.concatenate(
        [np.load(sample_dir / f"{r['file']}.npy") for r in expected])

    for fname, tmodel, in_name, in_dims, out_name, out_w, npy in cases:
        proto = onnx.load(str(out_dir / fname))
        onnx.checker.check_model(proto)
        ins, outs = _io_signature(proto)
        expect(ins == [(in_name, ["batch"] + in_dims)], f"{fname} inputs {ins}")
        expect(outs == [(out_name, ["batch", out_w])],
               f"{fname} outputs {outs}")
        expect(all(n.name.startswith("/") for n in proto.graph.node),
               f"{fname} node names not scoped")
        x = digit_batch if npy is None else np.load(out_dir / npy)
        expect(x.dtype == np.float32 and list(x.shape[1:]) == in_dims,
               f"{fname} sample input {x.dtype} {x.shape}")
        ref = run_onnx_numpy(proto, {in_name: x})[out_name]
        with torch.no_grad():
            got = tmodel.eval()(torch.from_numpy(x)).numpy()
        diff = float(np.abs(ref - got).max())
        expect(diff < 1e-4, f"{fname}: ONNX(numpy) vs torch max diff {diff}")
        print(f"check {fname}: nodes "
              f"{[n.name for n in proto.graph.node]}; "
              f"ONNX(numpy) vs torch max |diff| = {diff:.2e}")
        if npy is None:
            for row, p in zip(expected, ref):
                pred = int(p.argmax())
                expect(pred == int(row["predicted"]) and
                       abs(p[pred] - float(row["probability"])) < 1e-5,
                       f"expected_predictions mismatch for {row['file']}")
                png = np.asarray(Image.open(sample_dir / f"{row['file']}.png"))
                npy_x = np.load(sample_dir / f"{row['file']}.npy")
                expect(png.dtype == np.uint8 and png.shape == (28, 28) and
                       np.array_equal(png.astype(np.float32) /
                                      np.float32(255.0), npy_x[0, 0]),
                       f"{row['file']}: png != npy")
    return failures


def main(argv):
    repo_root = Path(__file__).resolve().parent.parent
    out_dir = Path(argv[1]) if len(argv) > 1 else repo_root / "models"
    out_dir.mkdir(parents=True, exist_ok=True)

    cnn = make_digits_cnn(out_dir)
    dense_small = make_dense_10_64_10(out_dir)
    dense_big = make_dense_128_256(out_dir)

    failures = self_check(out_dir, cnn, dense_small, dense_big)

    print("\nfiles in", out_dir)
    for root, _, files in sorted(os.walk(out_dir)):
        for name in sorted(files):
            p = Path(root) / name
            print(f"  {p.relative_to(out_dir)}  {p.stat().st_size} bytes")
    if failures:
        print(f"\n{len(failures)} self-check failure(s)")
        return 1
    print("\nself-check OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
