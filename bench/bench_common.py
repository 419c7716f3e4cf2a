"""What the Python benchmarks share: where the binary is, the exported models, timed runs.

    from bench_common import ROOT, DEFAULT_MODEL_DIR, find_layerscope, export_model, run_process
"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL_DIR = os.path.join(tempfile.gettempdir(), "layerscope-bench-models")
OPSET = 13


def find_layerscope(explicit):
    candidates = [explicit] if explicit else [os.path.join(ROOT, "build", "layerscope"),
                                              os.path.join(ROOT, "build-bench", "layerscope")]
    for path in candidates:
        if path and os.path.exists(path):
            return path
    sys.exit("error: no layerscope binary in build/ or build-bench/; build one or pass "
             "--layerscope PATH")


def export_model(name, model_dir, opset=OPSET):
    """tests/real_models/export_models.py's export(): random weights, fixed seeds, exported once
    into model_dir and reused; returns its paths (model, input, torch_output)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "real_models"))
    from export_models import export
    return export(name, opset, model_dir)


def run_process(cmd):
    """(stdout, wall seconds) of a command that must succeed; exits with its last line if not."""
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.monotonic() - start
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines()
        sys.exit(f"error: {' '.join(cmd[:2])} failed: {lines[-1] if lines else r.returncode}")
    return r.stdout, wall
