# Test graphs for the TensorFlow frontend: GraphDef protos written node by node from Python, then
# run by the TensorFlow.js oracle and by layerscope and compared tensor by tensor (tf_runs.py).
#
#   g = GraphBuilder()
#   x = g.placeholder("x", np.float32, [1, 8, 8, 3])           # "x"; shape None: no shape attr
#   w = g.const("conv/kernel", kernel)                          # dtype from the array
#   y = g.op("Conv2D", "conv/Conv2D", [x, w], T=np.float32, strides=[1, 1, 1, 1], padding="SAME")
#   a, b = g.op("Split", "split", [axis, y], num_split=2, T=np.float32, outputs=2)  # "split:1"
#   g.save_pb("model.pb")
#   compared = check_against_oracle(g, {"x": image})            # every node's output, by name
#
# Attribute values become AttrValues by their Python type: bool -> b, int -> i, float -> f,
# str/bytes -> s, a numpy dtype or type (np.float32, bool) -> type, Shape([..]) -> shape,
# Tensor(array) -> tensor; a list or tuple of one of those kinds -> list.i/f/s/type/b/shape/tensor.
# Nothing is checked against TensorFlow's op definitions: a test may write any (bad) graph.
#
# The oracle computes in float32, int32 and bool only (tfjs has no other numbers): dtypes are
# compared as tfjs sees them (tf_runs.tfjs_dtype), wider or narrower types need their own checks.
# A tensor tfjs cannot compute (an op it lacks) fails check_against_oracle unless named in its
# skip=; check such ops against a numpy reference instead. Test modules in tests/tensorflow import
# this one after sys.path.insert(0, str(Path(__file__).resolve().parent)).
from pathlib import Path

import numpy as np

import tf_protos
import tfjs_model
from tf_runs import check_against_oracle, run_layerscope, run_oracle  # noqa: F401 (the API)

__all__ = ["GraphBuilder", "Shape", "Tensor", "set_attr", "write_oracle_model", "run_oracle",
           "run_layerscope", "check_against_oracle"]


class Shape:
    """A TensorShapeProto attribute: Shape([2, None, 3]) (None = unknown dimension, -1),
    Shape(None) = unknown rank."""

    def __init__(self, dims):
        self.dims = None if dims is None else [-1 if d is None else int(d) for d in dims]


class Tensor:
    """A TensorProto attribute holding the array (a Const's `value`)."""

    def __init__(self, array):
        self.array = np.asarray(array)


def _is_dtype(value):
    if isinstance(value, np.dtype):
        return True
    return isinstance(value, type) and issubclass(value, (np.generic, bool, int, float, str, bytes))


def _set_shape(proto, shape):
    if shape.dims is None:
        proto.unknown_rank = True
    for size in shape.dims or []:
        proto.dim.add().size = size


def _list_kind(values):
    """Which ListValue field a list's items go to."""
    kinds = set()
    for v in values:
        if isinstance(v, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(v, (int, np.integer)):
            kinds.add("i")
        elif isinstance(v, (float, np.floating)):
            kinds.add("f")
        elif isinstance(v, (str, bytes)):
            kinds.add("s")
        elif _is_dtype(v):
            kinds.add("type")
        elif isinstance(v, Shape):
            kinds.add("shape")
        elif isinstance(v, Tensor):
            kinds.add("tensor")
        else:
            raise TypeError(f"cannot write a list item of type {type(v).__name__}")
    if kinds == {"i", "f"}:
        return "f"
    if len(kinds) != 1:
        raise TypeError(f"a list attribute mixes {sorted(kinds)}")
    return kinds.pop()


def _set_list(proto, values):
    proto.SetInParent()  # an empty list is still a list
    if not values:
        return
    kind = _list_kind(values)
    field = getattr(proto, kind)
    if kind == "s":
        field.extend(v.encode() if isinstance(v, str) else v for v in values)
    elif kind == "type":
        field.extend(tf_protos.data_type(v) for v in values)
    elif kind == "shape":
        for v in values:
            _set_shape(field.add(), v)
    elif kind == "tensor":
        for v in values:
            field.add().CopyFrom(tf_protos.tensor_proto(v.array))
    else:
        field.extend({"b": bool, "i": int, "f": float}[kind](v) for v in values)


def set_attr(proto, value):
    """Writes a Python value into an AttrValue message (see the module comment for the kinds)."""
    if isinstance(value, (bool, np.bool_)):
        proto.b = bool(value)
    elif isinstance(value, (int, np.integer)):
        proto.i = int(value)
    elif isinstance(value, (float, np.floating)):
        proto.f = float(value)
    elif isinstance(value, str):
        proto.s = value.encode()
    elif isinstance(value, bytes):
        proto.s = value
    elif _is_dtype(value):
        proto.type = tf_protos.data_type(value)
    elif isinstance(value, Shape):
        proto.shape.SetInParent()
        _set_shape(proto.shape, value)
    elif isinstance(value, Tensor):
        proto.tensor.CopyFrom(tf_protos.tensor_proto(value.array))
    elif isinstance(value, (list, tuple)):
        _set_list(proto.list, list(value))
    else:
        raise TypeError(f"cannot write an attribute of type {type(value).__name__}")


class GraphBuilder:
    """Writes a tensorflow.GraphDef node by node; remembers how many outputs each node has."""

    def __init__(self):
        self.graph_def = tf_protos.message("GraphDef")()
        self.output_counts = {}  # node name -> how many outputs it was given

    def placeholder(self, name, dtype, shape=None):
        attrs = {"dtype": np.dtype(dtype)}
        if shape is not None:
            attrs["shape"] = Shape(shape)
        return self.op("Placeholder", name, [], **attrs)

    def const(self, name, value):
        array = np.asarray(value)
        return self.op("Const", name, [], dtype=array.dtype, value=Tensor(array))

    def op(self, op_type, name, inputs, outputs=1, **attrs):
        """Adds a node; returns its output's tensor name, or the list of them when outputs != 1
        ("name", "name:1", ...). inputs are tensor names, "^name" for a control input."""
        if name in self.output_counts:
            raise ValueError(f"the graph already has a node named '{name}'")
        node = self.graph_def.node.add()
        node.name = name
        node.op = op_type
        node.input.extend(inputs)
        for key, value in attrs.items():
            try:
                set_attr(node.attr[key], value)
            except (TypeError, ValueError) as e:
                raise type(e)(f"node '{name}' attribute '{key}': {e}") from None
        self.output_counts[name] = outputs
        names = [name if k == 0 else f"{name}:{k}" for k in range(outputs)]
        return names[0] if outputs == 1 else names

    def tensor_names(self):
        """Every output of every node that computes something: not Placeholders and Consts
        (layerscope makes those graph inputs and initializers, not nodes), in graph order."""
        names = []
        for node in self.graph_def.node:
            if node.op not in ("Placeholder", "Const"):
                count = self.output_counts[node.name]
                names += [node.name if k == 0 else f"{node.name}:{k}" for k in range(count)]
        return names

    def op_of(self, tensor_name):
        """The op type of the node that makes tensor_name ("split:1" -> "Split")."""
        node_name = tensor_name.rsplit(":", 1)[0] if ":" in tensor_name else tensor_name
        return next((n.op for n in self.graph_def.node if n.name == node_name), "?")

    def save_pb(self, path):
        Path(path).write_bytes(self.graph_def.SerializeToString())
        return Path(path)


def write_oracle_model(g, folder):
    """model.json + weights.bin for tests/oracle/run_tfjs_graph.js (tfjs_model.py)."""
    return tfjs_model.write_graph_model(g.graph_def, folder)
