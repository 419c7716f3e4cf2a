"""Real models end to end: layerscope against PyTorch (final output) and ONNX Runtime (every tensor).

Run by CTest with Debian's python3. Environment:
  LAYERSCOPE                  the layerscope binary under test
  LAYERSCOPE_SOURCE_DIR       the repository (for tests/oracle/run_ort.js)
  LAYERSCOPE_REAL_MODELS_DIR  work folder; exported models are kept there and reused across runs
                              (default: a temporary folder removed at the end)

For resnet18, resnet50, mobilenet_v2 and a small transformer encoder (random weights, fixed seeds;
see export_models.py), at opsets 13 and 17:
  (a) `layerscope run --dump` final output vs PyTorch eager: max |a-b| <= 1e-4;
  (b) every tensor layerscope dumped vs ONNX Runtime (run on a copy of the model with every
      intermediate value exposed as a graph output, graph optimizations disabled):
      max |a-b| / max(1, max |ref|) <= 1e-4 for floats, exact for integers and booleans, with equal
      dtypes and shapes; the compared tensors must cover every node output of the model.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import export_models  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = os.environ.get("LAYERSCOPE_SOURCE_DIR", os.path.join(HERE, "..", ".."))
ORACLE = os.path.join(SOURCE, "tests", "oracle", "run_ort.js")
NODE = shutil.which("node") or "node"

MODELS = ("resnet18", "resnet50", "mobilenet_v2", "transformer")
OPSETS = (13, 17)
OUTPUT_ATOL = 1e-4      # (a) final output vs PyTorch, absolute
TENSOR_RTOL = 1e-4      # (b) every tensor vs ONNX Runtime, relative to max(1, max |ref|)

_work = None            # (folder, TemporaryDirectory or None)


def setUpModule():
    global _work
    folder = os.environ.get("LAYERSCOPE_REAL_MODELS_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        _work = (folder, None)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="layerscope-real-models-")
        _work = (tmp.name, tmp)


def tearDownModule():
    if _work and _work[1] is not None:
        _work[1].cleanup()


def work_dir():
    return _work[0]


def run(cmd, timeout=900):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def expose_all_values(model_path, out_path):
    """Writes a copy of the model whose graph outputs are its outputs followed by every node output.

    Shape inference types the intermediate values first, so ORT knows each new output's type.
    Returns {value name: ONNX elem type or None} for every node output (None: not inferred).
    """
    model = onnx.load(model_path)
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi
    existing = {o.name for o in model.graph.output}
    node_outputs = [o for n in model.graph.node for o in n.output if o]
    for name in node_outputs:
        if name in existing:
            continue
        existing.add(name)
        if name in types:
            vi = onnx.ValueInfoProto()
            vi.CopyFrom(types[name])
            model.graph.output.append(vi)
        else:
            raise AssertionError(f"{model_path}: shape inference gave no type for {name!r}")
    onnx.save(model, out_path)
    return node_outputs


def np_dtype_name(array):
    return "bool" if array.dtype == np.bool_ else array.dtype.name


def compare(actual, ref):
    """Relative error max |a-b| / max(1, max |ref|); inf when NaN/Inf patterns differ."""
    if actual.dtype.kind in "biu" or ref.dtype.kind in "biu":
        return 0.0 if np.array_equal(actual, ref) else float("inf")
    a = actual.astype(np.float64)
    b = ref.astype(np.float64)
    if a.size == 0:
        return 0.0
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb):
        return float("inf")
    if not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        return float("inf")
    if not fa.any():
        return 0.0
    diff = np.abs(a[fa] - b[fb]).max()
    return float(diff / max(1.0, np.abs(b[fb]).max()))


class RealModelTest(unittest.TestCase):
    maxDiff = None

    def check_model(self, name, opset):
        started = time.monotonic()
        work = work_dir()
        paths = export_models.export(name, opset, work)
        tag = f"{name}_op{opset}"

        # (a) layerscope end to end, final output against PyTorch.
        dump = os.path.join(work, tag + "_layerscope")
        shutil.rmtree(dump, ignore_errors=True)
        r = run([BINARY, "run", paths["model"], "--input", "input=" + paths["input"],
                 "--dump", dump, "--json", "--threads", "2"])
        self.assertEqual(r.returncode, 0, f"{tag}: layerscope run failed: {r.stderr.strip()}")
        report = json.loads(r.stdout)
        self.assertIsNone(report.get("first_nonfinite"), f"{tag}: non-finite tensor")
        with open(os.path.join(dump, "index.json")) as f:
            index = json.load(f)
        by_name = {e["name"]: e for e in index}
        self.assertIn("output", by_name, f"{tag}: graph output not dumped")
        ours = np.load(os.path.join(dump, by_name["output"]["file"]))
        torch_out = np.load(paths["torch_output"])
        self.assertEqual(ours.shape, torch_out.shape, f"{tag}: output shape vs PyTorch")
        torch_err = float(np.abs(ours.astype(np.float64) - torch_out).max())
        self.assertLessEqual(torch_err, OUTPUT_ATOL,
                             f"{tag}: final output differs from PyTorch by {torch_err:.3g} "
                             f"(max |torch| {np.abs(torch_out).max():.3g})")

        # (b) every tensor against ONNX Runtime.
        exposed = os.path.join(work, tag + "_all_values.onnx")
        if not os.path.exists(exposed) or os.path.getmtime(exposed) < os.path.getmtime(paths["model"]):
            node_outputs = expose_all_values(paths["model"], exposed + ".tmp")
            os.replace(exposed + ".tmp", exposed)
        else:
            model = onnx.load(paths["model"], load_external_data=False)
            node_outputs = [o for n in model.graph.node for o in n.output if o]
        ort_dir = os.path.join(work, tag + "_ort")
        shutil.rmtree(ort_dir, ignore_errors=True)
        r = run([NODE, ORACLE, exposed, ort_dir, "input=" + paths["input"],
                 "--optimize", "disabled", "--threads", "2"])
        self.assertEqual(r.returncode, 0, f"{tag}: ONNX Runtime failed: {r.stderr.strip()}")
        with open(os.path.join(ort_dir, "index.json")) as f:
            ort_files = {e["name"]: os.path.join(ort_dir, e["file"]) for e in json.load(f)}

        compared, worst, worst_at = [], 0.0, None
        for entry in index:  # execution order, so the first failure is the earliest tensor
            if entry["name"] not in ort_files:
                continue
            ref = np.load(ort_files[entry["name"]])
            got = np.load(os.path.join(dump, entry["file"]))
            where = f"tensor {entry['name']!r} (node {entry['node']!r}, op {entry['op']})"
            self.assertEqual(entry["dtype"], np_dtype_name(ref), f"{tag}: dtype of {where}")
            self.assertEqual(np_dtype_name(got), np_dtype_name(ref), f"{tag}: .npy dtype of {where}")
            self.assertEqual(list(entry["shape"]), list(ref.shape), f"{tag}: shape of {where}")
            self.assertEqual(got.shape, ref.shape, f"{tag}: .npy shape of {where}")
            err = compare(got, ref)
            if err > TENSOR_RTOL:
                diff = np.abs(got.astype(np.float64) - ref.astype(np.float64)) \
                    if got.dtype.kind == "f" else None
                detail = ""
                if diff is not None and np.isfinite(diff).any():
                    at = np.unravel_index(np.nanargmax(diff), diff.shape)
                    detail = (f"; worst at {tuple(int(i) for i in at)}: layerscope {got[at]!r} "
                              f"vs ORT {ref[at]!r}, max |ref| {np.abs(ref).max():.6g}")
                self.fail(f"{tag}: first differing {where}: relative error {err:.3g} > "
                          f"{TENSOR_RTOL:g}{detail}")
            if err >= worst:
                worst, worst_at = err, where
            compared.append(entry["name"])

        compared_set = set(compared)
        missing = [o for o in node_outputs if o not in compared_set]
        self.assertFalse(missing, f"{tag}: {len(missing)} of {len(node_outputs)} node outputs were "
                         f"not compared (not dumped by layerscope or not produced by ORT): "
                         f"{missing[:10]}")
        print(f"\n{tag}: {len(compared)} tensors compared with ONNX Runtime "
              f"({len(node_outputs)} node outputs), worst relative error {worst:.3g} at "
              f"{worst_at}; final output vs PyTorch max abs error {torch_err:.3g}; "
              f"{time.monotonic() - started:.1f} s", flush=True)
        # Keep the work folder small when it persists: the dumps are re-made each run.
        shutil.rmtree(dump, ignore_errors=True)
        shutil.rmtree(ort_dir, ignore_errors=True)


def _add_tests():
    for name in MODELS:
        for opset in OPSETS:
            def test(self, name=name, opset=opset):
                self.check_model(name, opset)
            test.__name__ = f"test_{name}_op{opset}"
            test.__doc__ = None
            setattr(RealModelTest, test.__name__, test)


_add_tests()

if __name__ == "__main__":
    unittest.main()
