"""Writes the models the browser test opens, into the folder given: residual.onnx (six residual
blocks in two stages and a head, as tests/cli makes it) and hostile.onnx (names holding markup,
quotes and bytes that are not UTF-8)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "cli"))
from onnx import TensorProto, helper  # noqa: E402

import test_cli  # noqa: E402

HOSTILE = 'say "hi" </script><script>alert(1)</script> & \\N'

folder = sys.argv[1]
test_cli.residual_model(folder, blocks=6)
path = test_cli.save_model(folder, "hostile", [
    helper.make_node("Relu", ["x"], ["a"], name="/blk/" + HOSTILE),
    helper.make_node("Neg", ["a"], ["y"], name="/blk/bad_XXXX"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
with open(path, "rb") as f:
    data = f.read()
with open(path, "wb") as f:  # same length, so the protobuf stays valid
    f.write(data.replace(b"bad_XXXX", b"bad_\xff\xfe\xc3("))
