# Runs a test graph (a tf_graphs.GraphBuilder) in the TensorFlow.js oracle and in layerscope, and
# compares the two tensor by tensor. Tensors are named as TensorFlow names them: "node" for a
# node's output 0, "node:k" for output k.
#
# The programs: $NODE (else `node`) runs tests/oracle/run_tfjs_graph.js with the packages in
# tests/oracle/node_modules; $LAYERSCOPE (else `layerscope`) is the CLI. CTest sets both.
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

import tf_protos
import tfjs_model


class OracleResult(dict):
    """{tensor name: np.ndarray} of what the oracle computed; .skipped = {tensor name: why not}
    for the requested tensors it could not give (an op tfjs lacks, a node without outputs)."""

    def __init__(self, values, skipped):
        super().__init__(values)
        self.skipped = skipped


def _write_feeds(feeds, folder):
    """feed_<i>.npy per placeholder and index.json {placeholder name: file}."""
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for i, (name, value) in enumerate(feeds.items()):
        index[name] = f"feed_{i}.npy"
        np.save(folder / index[name], np.asarray(value))
    (folder / "index.json").write_text(json.dumps(index))
    return index


def run_oracle(g, feeds, outputs=None):
    """Runs the graph in TensorFlow.js (tfjs-converter + the CPU backend); returns an OracleResult.
    outputs: the tensor names to compute, default g.tensor_names() (every node's every output but
    Placeholders' and Consts'). tfjs computes in float32, int32 and bool only."""
    outputs = g.tensor_names() if outputs is None else list(outputs)
    with tempfile.TemporaryDirectory(prefix="layerscope-tf-oracle-") as tmp:
        tmp = Path(tmp)
        tfjs_model.write_graph_model(g.graph_def, tmp / "model")
        _write_feeds(feeds, tmp / "feeds")
        (tmp / "outputs.json").write_text(json.dumps(outputs))
        script = tf_protos.source_dir() / "tests" / "oracle" / "run_tfjs_graph.js"
        proc = subprocess.run(
            [os.environ.get("NODE", "node"), str(script), str(tmp / "model"), str(tmp / "feeds"),
             str(tmp / "out"), str(tmp / "outputs.json")],
            capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"the TensorFlow.js oracle failed ({proc.returncode}):\n"
                                 f"{proc.stderr}")
        index = json.loads((tmp / "out" / "index.json").read_text())
        values = {name: np.load(tmp / "out" / file) for name, file in index["tensors"].items()}
        return OracleResult(values, index["skipped"])


def run_layerscope(g, feeds):
    """`layerscope run graph.pb --input name=file.npy ... --dump DIR`: {tensor name: array} of
    every tensor the dump holds (its index.json's "name" is the TF tensor name)."""
    with tempfile.TemporaryDirectory(prefix="layerscope-tf-run-") as tmp:
        tmp = Path(tmp)
        args = [os.environ.get("LAYERSCOPE", "layerscope"), "run", str(g.save_pb(tmp / "graph.pb"))]
        for name, file in _write_feeds(feeds, tmp / "feeds").items():
            args += ["--input", f"{name}={tmp / 'feeds' / file}"]
        args += ["--dump", str(tmp / "dump")]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"layerscope run failed ({proc.returncode}):\n{proc.stderr}")
        index = json.loads((tmp / "dump" / "index.json").read_text())
        return {e["name"]: np.load(tmp / "dump" / e["file"]) for e in index}


def _listed(tensor_name, names):
    """Whether names holds the tensor's name or its node's name."""
    return tensor_name in names or tensor_name.rsplit(":", 1)[0] in names


def tfjs_dtype(dtype):
    """The dtype tfjs computes a TF dtype in: floats -> float32, integers -> int32."""
    kind = np.dtype(dtype).kind
    return np.dtype({"f": np.float32, "i": np.int32, "u": np.int32}.get(kind, dtype))


def check_against_oracle(g, feeds, atol=1e-4, rtol=1e-4, skip=()):
    """Runs the graph in the oracle and in layerscope; every tensor the oracle computes must be in
    layerscope's dump with the same shape, the same dtype as tfjs sees it (tfjs_dtype) and values
    within atol + rtol * |ref| (bool and integer tensors exactly). skip: tensor or node names not
    to compare (the oracle cannot compute them, or computes them unlike TensorFlow); a tensor the
    oracle could not compute must be listed there. Returns how many tensors were compared."""
    skip = set(skip)
    expected = run_oracle(g, feeds)
    missed = {n: why for n, why in expected.skipped.items() if not _listed(n, skip)}
    if missed:
        raise AssertionError("the oracle cannot compute " + "; ".join(
            f"'{n}' ({why})" for n, why in missed.items()) + ": list them in skip= and check "
            "them against a numpy reference")
    actual = run_layerscope(g, feeds)
    compared = 0
    for name, ref in expected.items():
        if _listed(name, skip):
            continue
        what = f"tensor '{name}' ({g.op_of(name)})"
        if name not in actual:
            raise AssertionError(f"{what}: the oracle computed it, layerscope's dump lacks it "
                                 f"(dumped: {', '.join(sorted(actual))})")
        got = actual[name]
        if got.shape != ref.shape:
            raise AssertionError(f"{what}: shape {got.shape}, the oracle's {ref.shape}")
        if tfjs_dtype(got.dtype) != ref.dtype:
            raise AssertionError(f"{what}: dtype {got.dtype}, the oracle's {ref.dtype}")
        if ref.dtype.kind == "f":
            np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=rtol,
                                       atol=atol, err_msg=what)
        else:
            np.testing.assert_array_equal(got, ref, err_msg=what)  # by value across int widths
        compared += 1
    if compared == 0:
        raise AssertionError("no tensor was compared: the oracle computed nothing to compare")
    return compared
