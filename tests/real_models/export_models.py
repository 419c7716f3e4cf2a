#!/usr/bin/python3
"""Exports real models (random weights, fixed seeds) to ONNX with a sample input and PyTorch's output.

    /usr/bin/python3 tests/real_models/export_models.py OUT_DIR
        [--models resnet18,resnet50,mobilenet_v2,transformer] [--opsets 13,17]

For each model and opset it writes
    OUT_DIR/{model}_op{opset}.onnx                the exported model (input "input", output "output")
    OUT_DIR/{model}_input.npy                     the input (the same for every opset)
    OUT_DIR/{model}_op{opset}_torch_output.npy    PyTorch eager output for that input
skipping files that already exist (and are newer than this script), so repeated runs are cheap.

Other scripts can `from export_models import export, MODELS` and call
`export(model_name, opset, out_dir)`, which returns {"model", "input", "torch_output"} paths.
"""
import argparse
import functools
import os
import sys
import warnings

import numpy as np
import torch

MODELS = ("resnet18", "resnet50", "mobilenet_v2", "transformer")
OPSETS = (13, 17)

# The transformer: a small encoder, batch-first, batch 1, sequence 32.
TRANSFORMER_D_MODEL = 64
TRANSFORMER_LAYERS = 2
TRANSFORMER_HEADS = 4
TRANSFORMER_SEQ = 32


def _seed(name):
    # A stable per-model seed (Python's hash() is salted per process).
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % (2 ** 31)


# Only for benchmarks (bench/graph_bench.py), not in MODELS: a BERT-base-like depth, a few
# thousand ONNX nodes.
BENCH_MODELS = {"transformer12": dict(d_model=256, layers=12, heads=8, seq=128)}


class _Encoder(torch.nn.Module):
    def __init__(self, d_model=TRANSFORMER_D_MODEL, layers=TRANSFORMER_LAYERS,
                 heads=TRANSFORMER_HEADS):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(
            d_model=d_model, nhead=heads, dim_feedforward=4 * d_model, dropout=0.0,
            batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, num_layers=layers,
                                                   enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


@functools.lru_cache(maxsize=None)
def build_model(name):
    """Returns (model in eval mode, input tensor), deterministic for a given name."""
    torch.manual_seed(_seed(name))
    if name == "transformer":
        model = _Encoder()
        shape = (1, TRANSFORMER_SEQ, TRANSFORMER_D_MODEL)
    elif name in BENCH_MODELS:
        c = BENCH_MODELS[name]
        model = _Encoder(c["d_model"], c["layers"], c["heads"])
        shape = (1, c["seq"], c["d_model"])
    elif name in ("resnet18", "resnet50", "mobilenet_v2"):
        import torchvision
        model = getattr(torchvision.models, name)(weights=None)
        shape = (1, 3, 224, 224)
        # Random init leaves BatchNorm as the identity (mean 0, var 1, weight 1, bias 0), so
        # activations grow layer after layer (resnet50's logits reach ~1e3, where 1e-4 is below
        # one float32 ulp). Like a trained network: random affine parameters, and running
        # statistics calibrated on one random batch so every BatchNorm really normalizes.
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.reset_running_stats()
                    m.momentum = None  # cumulative average: one batch sets the statistics
            model.train()
            model(torch.randn(2, *shape[1:]))
            # As in trained ResNets, residual branches add less than the identity path carries
            # (scaling a BatchNorm's weight leaves its statistics valid). Without this, float32
            # rounding noise grows block after block in resnet50 until two correct runtimes
            # (layerscope and ORT, each locally within 3e-6 of float64) differ by 1.4e-4 of
            # max |x| in layer4, above the tests' per-tensor tolerance; with it, by 3e-6.
            from torchvision.models.resnet import BasicBlock, Bottleneck
            for m in model.modules():
                if isinstance(m, (BasicBlock, Bottleneck)):
                    last = m.bn3 if isinstance(m, Bottleneck) else m.bn2
                    last.weight.uniform_(0.2, 0.5)
    else:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    model.eval()
    generator = torch.Generator().manual_seed(_seed(name) + 1)
    x = torch.randn(*shape, generator=generator, dtype=torch.float32)
    return model, x


def paths(model_name, opset, out_dir):
    return {
        "model": os.path.join(out_dir, f"{model_name}_op{opset}.onnx"),
        "input": os.path.join(out_dir, f"{model_name}_input.npy"),
        "torch_output": os.path.join(out_dir, f"{model_name}_op{opset}_torch_output.npy"),
    }


def _check_transformer_graph(onnx_path):
    import onnx
    ops = {n.op_type for n in onnx.load(onnx_path, load_external_data=False).graph.node}
    has_norm = "LayerNormalization" in ops or {"ReduceMean", "Sqrt", "Div"} <= ops
    if not ("MatMul" in ops and "Softmax" in ops and has_norm):
        raise RuntimeError(f"{onnx_path}: exported transformer lacks MatMul/Softmax/LayerNorm "
                           f"(fused fast path?); ops: {sorted(ops)}")


def _fresh(path, *made_from):
    """An existing file made after this script (and the files it derives from) last changed."""
    if not os.path.exists(path):
        return False
    made = os.path.getmtime(path)
    return all(made >= os.path.getmtime(f) for f in (__file__,) + made_from if os.path.exists(f))


def export(model_name, opset, out_dir, verbose=False):
    """Exports one model at one opset into out_dir (skipping files that exist); returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    p = paths(model_name, opset, out_dir)
    if all(_fresh(f, p["input"]) for f in p.values()):
        return p
    model, x = build_model(model_name)
    written = []
    if not _fresh(p["input"]):
        np.save(p["input"], x.numpy())
        written.append(p["input"])
    else:
        x = torch.from_numpy(np.load(p["input"]))
    # Both the eager reference and the export run with autograd enabled (the parameters require
    # grad): that keeps TransformerEncoderLayer / MultiheadAttention off their fused inference
    # fast paths (aten::_transformer_encoder_layer_fwd, _native_multi_head_attention), which have
    # no ONNX export, so the eager output comes from the same composite ops that are exported.
    if not _fresh(p["torch_output"], p["input"]):
        with torch.enable_grad():
            y = model(x).detach()
        np.save(p["torch_output"], y.numpy())
        written.append(p["torch_output"])
    if not _fresh(p["model"], p["input"]):
        tmp = p["model"] + ".tmp"
        with torch.enable_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(model, (x,), tmp, opset_version=opset, input_names=["input"],
                              output_names=["output"], do_constant_folding=True)
        if model_name.startswith("transformer"):
            _check_transformer_graph(tmp)
        os.replace(tmp, p["model"])
        written.append(p["model"])
    if verbose:
        for f in written:
            print(f"wrote {f}")
    return p


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--opsets", default=",".join(str(o) for o in OPSETS))
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    opsets = [int(o) for o in args.opsets.split(",") if o]
    for m in models:
        if m not in MODELS:
            parser.error(f"unknown model {m!r}; known: {', '.join(MODELS)}")
    for m in models:
        for o in opsets:
            p = export(m, o, args.out_dir, verbose=True)
            print(f"{m} opset {o}: {p['model']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
