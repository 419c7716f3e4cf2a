"""Writes what the report browser test opens, into the folder given: long.onnx (a chain of 1500
Relu/Neg nodes: 1500 layers) with one input, and nan.onnx (names holding markup) with inputs that are
NaN everywhere."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

HOSTILE = '</script><img src=x onerror=alert(1)> & "q"'

folder = sys.argv[1]


def save(name, nodes, shape):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, os.path.join(folder, name + ".onnx"))


chain, previous = [], "x"
for k in range(1500):
    chain.append(helper.make_node("Relu" if k % 2 else "Neg", [previous], ["t%d" % k], name="/stage%d/op%d" % (k // 100, k)))
    previous = "t%d" % k
save("long", chain, [1, 4, 8, 8])
np.save(os.path.join(folder, "long_x.npy"), np.random.default_rng(0).standard_normal((1, 4, 8, 8)).astype(np.float32))

save("nan", [helper.make_node("Relu", ["x"], ["r"], name=HOSTILE),
             helper.make_node("Neg", ["r"], ["y"], name="neg")], [1, 2, 6, 6])
for k in range(3):
    np.save(os.path.join(folder, "nan_%d.npy" % k), np.full((1, 2, 6, 6), np.nan, np.float32))
