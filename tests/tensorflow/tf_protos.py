# TensorFlow's messages for the tests, from the project's own .proto files (src/proto/tensorflow,
# package `tensorflow`) compiled by protoc when first asked for, and the numpy <-> TensorProto and
# numpy <-> DataType conversions the graph builder and the oracle's model writer share.
#
# protoc is $PROTOC (CTest sets it to the build's protoc), else `protoc` on PATH.
import functools
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, message_factory


def source_dir():
    return Path(os.environ.get("LAYERSCOPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@functools.lru_cache(maxsize=None)
def messages():
    """{full name: message class} of every message graph.proto reaches ("tensorflow.GraphDef")."""
    src = source_dir() / "src"
    with tempfile.TemporaryDirectory(prefix="layerscope-tf-protos-") as tmp:
        descriptors = Path(tmp) / "tensorflow.desc"
        proc = subprocess.run(
            [os.environ.get("PROTOC", "protoc"), "--include_imports",
             f"--descriptor_set_out={descriptors}", f"-I{src}",
             str(src / "proto" / "tensorflow" / "graph.proto")],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"protoc could not compile src/proto/tensorflow:\n{proc.stderr}")
        files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes()).file
    return message_factory.GetMessages(files)


def message(name):
    """The class of tensorflow.<name>: message("GraphDef")()."""
    return messages()["tensorflow." + name]


# numpy dtype <-> TF DataType enum value name (types.proto). bfloat16 has no numpy dtype.
_DATA_TYPES = {
    np.dtype(np.float32): "DT_FLOAT", np.dtype(np.float64): "DT_DOUBLE",
    np.dtype(np.float16): "DT_HALF", np.dtype(np.int32): "DT_INT32",
    np.dtype(np.int64): "DT_INT64", np.dtype(np.int16): "DT_INT16", np.dtype(np.int8): "DT_INT8",
    np.dtype(np.uint8): "DT_UINT8", np.dtype(np.uint16): "DT_UINT16",
    np.dtype(np.uint32): "DT_UINT32", np.dtype(np.uint64): "DT_UINT64",
    np.dtype(np.bool_): "DT_BOOL", np.dtype(np.complex64): "DT_COMPLEX64",
    np.dtype(np.complex128): "DT_COMPLEX128",
}
_NUMPY_TYPES = {name: dtype for dtype, name in _DATA_TYPES.items()}


def data_type(dtype):
    """numpy dtype (or type: np.float32, bool, str, bytes) -> the DataType enum's number."""
    return _enum().values_by_name[data_type_name(dtype)].number


def data_type_name(dtype):
    """numpy dtype (or type) -> "DT_FLOAT", ...; str and bytes -> "DT_STRING"."""
    if dtype in (str, bytes) or np.dtype(dtype).kind in "SUO":
        return "DT_STRING"
    name = _DATA_TYPES.get(np.dtype(dtype))
    if name is None:
        raise ValueError(f"numpy dtype {np.dtype(dtype)} has no TensorFlow DataType")
    return name


def numpy_dtype(data_type_number):
    """The DataType enum's number -> numpy dtype (object for DT_STRING)."""
    name = _enum().values_by_number[data_type_number].name
    if name == "DT_STRING":
        return np.dtype(object)
    if name not in _NUMPY_TYPES:
        raise ValueError(f"TensorFlow {name} has no numpy dtype")
    return _NUMPY_TYPES[name]


def _enum():
    """The DataType enum's descriptor (values_by_name, values_by_number)."""
    return message("TensorProto").DESCRIPTOR.fields_by_name["dtype"].enum_type


def tensor_proto(array):
    """np.ndarray -> TensorProto (little-endian bytes in tensor_content; strings in string_val)."""
    array = np.asarray(array)
    proto = message("TensorProto")()
    proto.dtype = data_type(array.dtype)
    for size in array.shape:
        proto.tensor_shape.dim.add().size = size
    if array.dtype.kind in "SUO":
        proto.string_val.extend(v.encode() if isinstance(v, str) else bytes(v) for v in array.flat)
    else:
        proto.tensor_content = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
    return proto


# The typed field a TensorProto may hold its values in instead of tensor_content, by DataType.
_VALUE_FIELDS = {
    "DT_FLOAT": "float_val", "DT_DOUBLE": "double_val", "DT_INT32": "int_val",
    "DT_INT16": "int_val", "DT_INT8": "int_val", "DT_UINT8": "int_val", "DT_UINT16": "int_val",
    "DT_INT64": "int64_val", "DT_BOOL": "bool_val", "DT_HALF": "half_val",
    "DT_UINT32": "uint32_val", "DT_UINT64": "uint64_val", "DT_STRING": "string_val",
}


def tensor_array(proto):
    """TensorProto -> np.ndarray: tensor_content, or the typed field (its last value repeated to
    fill the shape, zeros when it is empty), as TensorFlow reads it."""
    dtype = numpy_dtype(proto.dtype)
    shape = tuple(d.size for d in proto.tensor_shape.dim)
    count = int(np.prod(shape, dtype=np.int64))
    if proto.tensor_content:
        data = np.frombuffer(proto.tensor_content, dtype.newbyteorder("<"))
        return data.astype(dtype).reshape(shape)
    name = _enum().values_by_number[proto.dtype].name
    if name not in _VALUE_FIELDS:
        raise ValueError(f"cannot read a {name} TensorProto's values")
    values = list(getattr(proto, _VALUE_FIELDS[name]))
    if name == "DT_HALF":  # float16 bits, one per int32
        values = np.array(values, np.uint16).view(np.float16)
    empty = b"" if name == "DT_STRING" else 0
    flat = np.full(count, values[-1] if len(values) else empty, dtype)
    n = min(count, len(values))
    flat[:n] = values[:n]
    return flat.reshape(shape)
