#pragma once
// Reads a TensorFlow checkpoint (a "tensor bundle"): PREFIX.index, a sorted table (sorted_table.h)
// whose key "" holds a BundleHeaderProto and whose other keys are checkpoint keys
// ("dense/kernel", "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE") with a
// BundleEntryProto each, pointing at bytes [offset, offset + size) of the data shard
// PREFIX.data-0000N-of-0000M, checked against the entry's masked CRC32C.
//
//   TensorBundle bundle = TensorBundle::open("model/variables/variables", "model");
//   Tensor kernel = bundle.read("dense/kernel");
//
// Numeric tensors are the raw little-endian elements; a string tensor is the varint64 length of
// each element, the masked CRC32C of those lengths (each as a little-endian uint32), then the
// bytes of every element.
#include <layerscope/tensor.h>

#include "proto/tensorflow/tensor_bundle.pb.h"

#include <map>
#include <string>
#include <vector>

namespace layerscope::tensorflow_frontend {

class TensorBundle {
 public:
  // Reads and checks PREFIX.index. Every file read must resolve inside the folder `root` (the
  // SavedModel directory). Throws Error naming the file for a missing, truncated or corrupt index.
  static TensorBundle open(const std::string& prefix, const std::string& root);

  const std::string& index_path() const { return index_path_; }
  bool contains(const std::string& key) const { return entries_.count(key) != 0; }
  std::vector<std::string> keys() const;  // sorted
  // Throws Error naming the index and the key when it has no such key.
  const ::tensorflow::BundleEntryProto& entry(const std::string& key) const;

  // The tensor saved under `key` (any dtype but string), its bytes' CRC checked. Throws Error
  // naming the file and the key for a missing or truncated shard, an entry pointing past the data,
  // a size that does not match the shape, a CRC mismatch.
  Tensor read(const std::string& key) const;
  // The elements of the string tensor saved under `key`, flattened; checked alike.
  std::vector<std::string> read_strings(const std::string& key) const;

 private:
  // The path of the entry's shard, once checked that the file is there, inside the root, and holds
  // the entry's bytes: sizes are checked before anything is allocated for them.
  std::string shard_holding(const std::string& key,
                            const ::tensorflow::BundleEntryProto& entry) const;
  void read_bytes(const std::string& shard, const std::string& key,
                  const ::tensorflow::BundleEntryProto& entry, char* into) const;

  std::string prefix_;
  std::string root_;
  std::string index_path_;
  int num_shards_ = 0;
  std::map<std::string, ::tensorflow::BundleEntryProto> entries_;
};

}  // namespace layerscope::tensorflow_frontend
