# Writes TensorFlow SavedModel directories from scratch for the tests, with no TensorFlow:
#   saved_model.pb          SavedModel{meta_graphs} from the project's own .proto files
#                           (src/proto/tensorflow, compiled by protoc at test time);
#   variables/variables.index
#                           a LevelDB-format table written here: prefix-compressed keys, restart
#                           points, data blocks of a chosen size, snappy-compressed on request
#                           (python3-snappy), each block's masked CRC32C; key "" the
#                           BundleHeaderProto, the others BundleEntryProtos;
#   variables/variables.data-00000-of-00001
#                           the tensors' little-endian bytes, each entry with its masked CRC32C.
#
#   model = dense_model(np.random.default_rng(0))                 # a Dense layer's weights
#   write_tf1_saved_model(folder, model)                          # VarHandleOp + ReadVariableOp
#   write_tf2_saved_model(folder, model, binding="object_graph")  # a signature wrapper calling
#                                                                 # the model function
#   expected = model.reference(x)                                 # numpy: relu(x @ kernel + bias)
import functools
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, message_factory


def source_dir():
    return Path(os.environ.get("LAYERSCOPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@functools.lru_cache(maxsize=None)
def _messages():
    src = source_dir() / "src"
    protos = ["saved_model.proto", "tensor_bundle.proto", "trackable_object_graph.proto",
              "variable.proto"]
    with tempfile.TemporaryDirectory(prefix="layerscope-saved-model-protos-") as tmp:
        descriptors = Path(tmp) / "saved_model.desc"
        proc = subprocess.run(
            [os.environ.get("PROTOC", "protoc"), "--include_imports",
             f"--descriptor_set_out={descriptors}", f"-I{src}",
             *[str(src / "proto" / "tensorflow" / p) for p in protos]],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"protoc could not compile src/proto/tensorflow:\n{proc.stderr}")
        files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes()).file
    return message_factory.GetMessages(files)


def message(name):
    """The class of tensorflow.<name>: message("SavedModel")()."""
    return _messages()["tensorflow." + name]


# TF's DataType numbers (types.proto).
DT_FLOAT, DT_INT32, DT_STRING, DT_INT64, DT_BOOL, DT_RESOURCE = 1, 3, 7, 9, 10, 20
_DATA_TYPES = {np.dtype(np.float32): DT_FLOAT, np.dtype(np.int32): DT_INT32,
               np.dtype(np.int64): DT_INT64, np.dtype(np.bool_): DT_BOOL}


# --- CRC32C (Castagnoli), masked as TensorFlow stores it ---

def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    """CRC32C of data, continuing `crc` (the CRC of the bytes before)."""
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


# --- the LevelDB-format table ---

def _block(entries, restart_interval):
    body, restarts, last = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(body))
        else:
            while shared < min(len(key), len(last)) and key[shared] == last[shared]:
                shared += 1
        body += varint(shared) + varint(len(key) - shared) + varint(len(value))
        body += key[shared:] + value
        last = key
    restarts = restarts or [0]
    for r in restarts:
        body += r.to_bytes(4, "little")
    return bytes(body + len(restarts).to_bytes(4, "little"))


def _append_block(out, contents, snappy):
    """Appends the block and its trailer; returns its handle (varint offset, varint size)."""
    kind = 0
    if snappy:
        import snappy as snappy_module  # python3-snappy
        contents, kind = snappy_module.compress(contents), 1
    handle = varint(len(out)) + varint(len(contents))
    out += contents + bytes([kind])
    out += mask(crc32c(contents + bytes([kind]))).to_bytes(4, "little")
    return handle


def table_bytes(entries, restart_interval=16, block_size=4096, snappy=False):
    """A table of (key bytes, value bytes) pairs, in the order given."""
    out, index, block = bytearray(), [], []
    size = 0

    def flush():
        nonlocal block, size
        if block:
            index.append((block[-1][0], _append_block(out, _block(block, restart_interval), snappy)))
        block, size = [], 0

    for key, value in entries:
        block.append((key, value))
        size += len(key) + len(value)
        if size >= block_size:
            flush()
    flush()
    metaindex = _append_block(out, _block([], 1), snappy)
    index_handle = _append_block(out, _block(index, 1), snappy)
    footer = (metaindex + index_handle).ljust(40, b"\0") + (0xDB4775248B80FB57).to_bytes(8, "little")
    return bytes(out + footer)


# --- the tensor bundle ---

def string_tensor_bytes(values):
    """A string tensor as a shard holds it, and its entry's CRC (over the lengths as uint32, their
    masked CRC and the bytes)."""
    lengths = b"".join(varint(len(v)) for v in values)
    crc = 0
    for v in values:
        crc = crc32c(len(v).to_bytes(4, "little"), crc)
    lengths_crc = mask(crc).to_bytes(4, "little")
    crc = crc32c(lengths_crc, crc)
    data = b"".join(values)
    return lengths + lengths_crc + data, crc32c(data, crc)


def write_bundle(prefix, tensors, restart_interval=16, block_size=4096, snappy=False):
    """PREFIX.index + PREFIX.data-00000-of-00001 holding `tensors` {key: np.ndarray, or a list of
    bytes for a string vector}."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    header = message("BundleHeaderProto")(num_shards=1)
    header.version.producer = 1
    entries, data = {b"": header.SerializeToString()}, bytearray()
    for key, value in tensors.items():
        entry = message("BundleEntryProto")()
        if isinstance(value, list):
            raw, crc = string_tensor_bytes(value)
            entry.dtype = DT_STRING
            if not isinstance(value, _ScalarString):
                entry.shape.dim.add().size = len(value)
        else:
            value = np.asarray(value)
            raw = np.ascontiguousarray(value, value.dtype.newbyteorder("<")).tobytes()
            crc = crc32c(raw)
            entry.dtype = _DATA_TYPES[value.dtype]
            for d in value.shape:
                entry.shape.dim.add().size = d
        entry.offset, entry.size, entry.crc32c = len(data), len(raw), mask(crc)
        data += raw
        entries[key.encode()] = entry.SerializeToString()
    Path(str(prefix) + ".index").write_bytes(
        table_bytes(sorted(entries.items()), restart_interval, block_size, snappy))
    Path(str(prefix) + ".data-00000-of-00001").write_bytes(bytes(data))


def scalar_string(value):
    """A string scalar for write_bundle (the object graph's entry has shape [], not [1])."""
    return _ScalarString(value)


class _ScalarString(list):
    def __init__(self, value):
        super().__init__([value])


# --- graphs ---

def set_attr(attr, value):
    """A few AttrValue kinds: bool, int, str, a DataType number via Type, a shape via Shape,
    a list of Types, a function name via Func, a string tensor via StringTensor."""
    if isinstance(value, bool):
        attr.b = value
    elif isinstance(value, int):
        attr.i = value
    elif isinstance(value, str):
        attr.s = value.encode()
    elif isinstance(value, Type):
        attr.type = value.number
    elif isinstance(value, Shape):
        attr.shape.SetInParent()
        for d in value.dims:
            attr.shape.dim.add().size = d
    elif isinstance(value, Func):
        attr.func.name = value.name
    elif isinstance(value, StringTensor):
        attr.tensor.dtype = DT_STRING
        attr.tensor.tensor_shape.dim.add().size = len(value.values)
        attr.tensor.string_val.extend(v.encode() for v in value.values)
    elif isinstance(value, list):
        attr.list.SetInParent()
        attr.list.type.extend(v.number for v in value)
    else:
        raise TypeError(f"cannot write an attribute of type {type(value).__name__}")


@dataclass
class Type:
    number: int


@dataclass
class Shape:
    dims: list


@dataclass
class Func:
    name: str


@dataclass
class StringTensor:
    values: list


FLOAT, RESOURCE, STRING = Type(DT_FLOAT), Type(DT_RESOURCE), Type(DT_STRING)


def add_node(nodes, name, op, inputs=(), **attrs):
    """Appends a NodeDef to a repeated field (a GraphDef's node or a FunctionDef's node_def)."""
    node = nodes.add()
    node.name, node.op = name, op
    node.input.extend(inputs)
    for key, value in attrs.items():
        set_attr(node.attr[key], value)
    return node


def add_function(library, name, inputs, outputs, ret):
    """A FunctionDef with typed arguments [(name, Type)], results [(name, Type)] and `ret`
    {result: "node:out_arg:k" or an argument}; returns it to add nodes to (its node_def)."""
    f = library.function.add()
    f.signature.name = name
    for arg, kind in inputs:
        a = f.signature.input_arg.add()
        a.name, a.type = arg, kind.number
    for arg, kind in outputs:
        a = f.signature.output_arg.add()
        a.name, a.type = arg, kind.number
    for key, value in ret.items():
        f.ret[key] = value
    return f


def signature(meta, name, inputs, outputs):
    sig = meta.signature_def[name]
    sig.method_name = "tensorflow/serving/predict"
    for key, tensor in inputs.items():
        sig.inputs[key].name, sig.inputs[key].dtype = tensor, DT_FLOAT
    for key, tensor in outputs.items():
        sig.outputs[key].name, sig.outputs[key].dtype = tensor, DT_FLOAT
    return sig


def new_saved_model(tags=("serve",)):
    saved = message("SavedModel")(saved_model_schema_version=1)
    meta = saved.meta_graphs.add()
    meta.meta_info_def.tags.extend(tags)
    meta.meta_info_def.tensorflow_version = "2.15.0"
    return saved, meta


def save(folder, saved):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "saved_model.pb").write_bytes(saved.SerializeToString())
    return folder


# --- the Dense model both styles hold ---

@dataclass
class DenseModel:
    kernel: np.ndarray  # (in, out)
    bias: np.ndarray    # (out,)

    def reference(self, x):
        return np.maximum(x @ self.kernel + self.bias, 0).astype(np.float32)


def dense_model(rng, inputs=4, units=3):
    return DenseModel(rng.standard_normal((inputs, units)).astype(np.float32),
                      rng.standard_normal(units).astype(np.float32))


def _variable(nodes, name, value, **extra):
    return add_node(nodes, name, "VarHandleOp", dtype=FLOAT, shape=Shape(list(value.shape)),
                    shared_name=name, container="", **extra)


def write_tf1_saved_model(folder, model, restore=True, snappy=False, block_size=4096):
    """TF 1 style: a plain graph with resource variables (VarHandleOp, ReadVariableOp) and, when
    `restore`, the saver's graph (save/RestoreV2 -> AssignVariableOp). Checkpoint keys are the
    variables' names, as tf.compat.v1.train.Saver writes them."""
    saved, meta = new_saved_model()
    g = meta.graph_def
    add_node(g.node, "x", "Placeholder", dtype=FLOAT, shape=Shape([-1, model.kernel.shape[0]]))
    _variable(g.node, "dense/kernel", model.kernel)
    _variable(g.node, "dense/bias", model.bias)
    add_node(g.node, "dense/MatMul/ReadVariableOp", "ReadVariableOp", ["dense/kernel"], dtype=FLOAT)
    add_node(g.node, "dense/MatMul", "MatMul", ["x", "dense/MatMul/ReadVariableOp"], T=FLOAT)
    add_node(g.node, "dense/BiasAdd/ReadVariableOp", "ReadVariableOp", ["dense/bias"], dtype=FLOAT)
    add_node(g.node, "dense/BiasAdd", "BiasAdd", ["dense/MatMul", "dense/BiasAdd/ReadVariableOp"],
             T=FLOAT)
    add_node(g.node, "dense/Relu", "Relu", ["dense/BiasAdd"], T=FLOAT)
    if restore:
        add_node(g.node, "save/filename", "Placeholder", dtype=STRING, shape=Shape([]))
        add_node(g.node, "save/RestoreV2/tensor_names", "Const", dtype=STRING,
                 value=StringTensor(["dense/bias", "dense/kernel"]))
        add_node(g.node, "save/RestoreV2/shape_and_slices", "Const", dtype=STRING,
                 value=StringTensor(["", ""]))
        add_node(g.node, "save/RestoreV2", "RestoreV2",
                 ["save/filename", "save/RestoreV2/tensor_names",
                  "save/RestoreV2/shape_and_slices"], dtypes=[FLOAT, FLOAT])
        for k, var in enumerate(["dense/bias", "dense/kernel"]):
            add_node(g.node, f"save/Identity_{k}", "Identity", [f"save/RestoreV2:{k}"], T=FLOAT)
            add_node(g.node, f"save/AssignVariableOp_{k}", "AssignVariableOp",
                     [var, f"save/Identity_{k}"], dtype=FLOAT)
        add_node(g.node, "save/restore_all", "NoOp",
                 ["^save/AssignVariableOp_0", "^save/AssignVariableOp_1"])
        meta.saver_def.filename_tensor_name = "save/filename:0"
        meta.saver_def.restore_op_name = "save/restore_all"
        meta.saver_def.version = 2
    signature(meta, "serving_default", {"x": "x:0"}, {"y": "dense/Relu:0"})
    folder = save(folder, saved)
    write_bundle(folder / "variables" / "variables",
                 {"dense/kernel": model.kernel, "dense/bias": model.bias},
                 snappy=snappy, block_size=block_size)
    return folder


# Checkpoint keys TF 2 derives from the object graph (Keras's layer_with_weights-N edges).
KERNEL_KEY = "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
BIAS_KEY = "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE"
WRAPPER = "__inference_signature_wrapper_240"
MODEL_FUNCTION = "__inference__wrapped_model_180"
RESTORE_FUNCTION = "__inference__traced_restore_320"


def _object_graphs(meta):
    """The SavedObjectGraph (root -> layer_with_weights-0 -> kernel, bias; the wrapper binds the
    two variables) and the checkpoint's TrackableObjectGraph with the same edges."""
    objects = meta.object_graph_def
    root, layer, kernel, bias = (objects.nodes.add() for _ in range(4))
    root.user_object.identifier = "_generic_user_object"
    layer.user_object.identifier = "_tf_keras_layer"
    for node, name in ((kernel, "dense/kernel"), (bias, "dense/bias")):
        node.variable.dtype, node.variable.name, node.variable.trainable = DT_FLOAT, name, True
    root.children.add(node_id=1, local_name="layer_with_weights-0")
    layer.children.add(node_id=2, local_name="kernel")
    layer.children.add(node_id=3, local_name="bias")
    objects.concrete_functions[WRAPPER].bound_inputs.extend([2, 3])
    # The checkpoint numbers its objects its own way: the match is by edge names, not ids.
    checkpoint = message("TrackableObjectGraph")()
    c_root, c_bias, c_layer, c_kernel = (checkpoint.nodes.add() for _ in range(4))
    c_root.children.add(node_id=2, local_name="layer_with_weights-0")
    c_layer.children.add(node_id=3, local_name="kernel")
    c_layer.children.add(node_id=1, local_name="bias")
    c_kernel.attributes.add(name="VARIABLE_VALUE", full_name="dense/kernel",
                            checkpoint_key=KERNEL_KEY)
    c_bias.attributes.add(name="VARIABLE_VALUE", full_name="dense/bias", checkpoint_key=BIAS_KEY)
    return checkpoint


def _restore_function(meta):
    """TF 2's restore function: RestoreV2 of the keys, AssignVariableOp on its resource arguments
    (the variables its call passes), called from the outer graph."""
    lib = meta.graph_def.library
    f = add_function(lib, RESTORE_FUNCTION,
                     [("file_prefix", STRING), ("assignvariableop_resource", RESOURCE),
                      ("assignvariableop_1_resource", RESOURCE)],
                     [("identity_3", STRING)], {"identity_3": "Identity_3:output:0"})
    add_node(f.node_def, "RestoreV2/tensor_names", "Const", dtype=STRING,
             value=StringTensor([BIAS_KEY, KERNEL_KEY]))
    add_node(f.node_def, "RestoreV2/shape_and_slices", "Const", dtype=STRING,
             value=StringTensor(["", ""]))
    add_node(f.node_def, "RestoreV2", "RestoreV2",
             ["file_prefix", "RestoreV2/tensor_names:output:0",
              "RestoreV2/shape_and_slices:output:0"], dtypes=[FLOAT, FLOAT])
    for k, arg in enumerate(["assignvariableop_1_resource", "assignvariableop_resource"]):
        add_node(f.node_def, f"Identity_{k + 1}", "Identity", [f"RestoreV2:tensors:{k}"], T=FLOAT)
        add_node(f.node_def, f"AssignVariableOp_{k}", "AssignVariableOp",
                 [arg, f"Identity_{k + 1}:output:0"], dtype=FLOAT)
    add_node(f.node_def, "Identity_3", "Identity", ["file_prefix", "^AssignVariableOp_0"], T=STRING)
    g = meta.graph_def
    add_node(g.node, "saver_filename", "Placeholder", dtype=STRING, shape=Shape([]))
    add_node(g.node, "StatefulPartitionedCall_1", "StatefulPartitionedCall",
             ["saver_filename", "dense/kernel", "dense/bias"], f=Func(RESTORE_FUNCTION),
             Tin=[STRING, RESOURCE, RESOURCE], Tout=[STRING])
    meta.saver_def.filename_tensor_name = "saver_filename:0"
    meta.saver_def.restore_op_name = "StatefulPartitionedCall_1"
    meta.saver_def.version = 2


def write_tf2_saved_model(folder, model, binding="object_graph", snappy=False, cycle=False):
    """TF 2 style: the outer graph holds the signature's placeholder, the variables' handles and a
    StatefulPartitionedCall of the signature wrapper, which calls the model function (a Dense
    layer named "model/dense/...") with the captured variables. `binding`: how the variables find
    their checkpoint keys: "object_graph", "restore" (TF 2's restore function) or "both".
    `cycle`: the model function calls the wrapper back (a bad file)."""
    saved, meta = new_saved_model()
    g = meta.graph_def
    add_node(g.node, "serving_default_x", "Placeholder", dtype=FLOAT,
             shape=Shape([-1, model.kernel.shape[0]]))
    _variable(g.node, "dense/kernel", model.kernel)
    _variable(g.node, "dense/bias", model.bias)
    add_node(g.node, "StatefulPartitionedCall", "StatefulPartitionedCall",
             ["serving_default_x", "dense/kernel", "dense/bias"], f=Func(WRAPPER),
             Tin=[FLOAT, RESOURCE, RESOURCE], Tout=[FLOAT])
    add_node(g.node, "NoOp", "NoOp")

    lib = g.library
    wrapper = add_function(lib, WRAPPER,
                           [("x", FLOAT), ("unknown", RESOURCE), ("unknown_0", RESOURCE)],
                           [("dense", FLOAT)], {"dense": "Identity:output:0"})
    add_node(wrapper.node_def, "StatefulPartitionedCall", "StatefulPartitionedCall",
             ["x", "unknown", "unknown_0"], f=Func(MODEL_FUNCTION),
             Tin=[FLOAT, RESOURCE, RESOURCE], Tout=[FLOAT])
    add_node(wrapper.node_def, "Identity", "Identity", ["StatefulPartitionedCall:output:0"],
             T=FLOAT)

    body = add_function(lib, MODEL_FUNCTION,
                        [("input_1", FLOAT), ("dense_matmul_readvariableop_resource", RESOURCE),
                         ("dense_biasadd_readvariableop_resource", RESOURCE)],
                        [("identity", FLOAT)], {"identity": "Identity:output:0"})
    n = body.node_def
    add_node(n, "model/dense/MatMul/ReadVariableOp", "ReadVariableOp",
             ["dense_matmul_readvariableop_resource"], dtype=FLOAT)
    add_node(n, "model/dense/MatMul", "MatMul",
             ["input_1", "model/dense/MatMul/ReadVariableOp:value:0"], T=FLOAT)
    add_node(n, "model/dense/BiasAdd/ReadVariableOp", "ReadVariableOp",
             ["dense_biasadd_readvariableop_resource"], dtype=FLOAT)
    add_node(n, "model/dense/BiasAdd", "BiasAdd",
             ["model/dense/MatMul:product:0", "model/dense/BiasAdd/ReadVariableOp:value:0"],
             T=FLOAT)
    add_node(n, "model/dense/Relu", "Relu", ["model/dense/BiasAdd:output:0"], T=FLOAT)
    add_node(n, "NoOp", "NoOp", ["^model/dense/BiasAdd/ReadVariableOp"])
    if cycle:
        add_node(n, "back", "StatefulPartitionedCall", ["model/dense/Relu:activations:0",
                                                       "dense_matmul_readvariableop_resource",
                                                       "dense_biasadd_readvariableop_resource"],
                 f=Func(WRAPPER), Tin=[FLOAT, RESOURCE, RESOURCE], Tout=[FLOAT])
        add_node(n, "Identity", "Identity", ["back:output:0", "^NoOp"], T=FLOAT)
    else:
        add_node(n, "Identity", "Identity", ["model/dense/Relu:activations:0", "^NoOp"], T=FLOAT)

    tensors = {KERNEL_KEY: model.kernel, BIAS_KEY: model.bias}
    if binding in ("object_graph", "both"):
        checkpoint = _object_graphs(meta)
        tensors["_CHECKPOINTABLE_OBJECT_GRAPH"] = scalar_string(checkpoint.SerializeToString())
    if binding in ("restore", "both"):
        _restore_function(meta)
    signature(meta, "serving_default", {"x": "serving_default_x:0"},
              {"dense": "StatefulPartitionedCall:0"})
    folder = save(folder, saved)
    write_bundle(folder / "variables" / "variables", tensors, snappy=snappy)
    return folder
