#pragma once
// Writes TensorFlow checkpoints in tests, independently of the reader: LevelDB-format tables
// (prefix-compressed keys, restart points, several blocks, snappy blocks on request) and tensor
// bundles (PREFIX.index + PREFIX.data-00000-of-0000N).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace layerscope::test {

struct TableOptions {
  int restart_interval = 16;      // entries between restart points (TensorFlow's default)
  std::size_t block_size = 4096;  // a data block is closed once its entries reach this size
  bool snappy = false;            // compress every block with snappy
};

using TableEntries = std::vector<std::pair<std::string, std::string>>;

// The table's bytes; entries are written in the order given (tests of order give them unsorted).
std::string make_table(const TableEntries& entries, const TableOptions& options = {});

// A tensor of a bundle: TF dtype number (1 float, 3 int32, 9 int64, 10 bool, 7 string), shape,
// its bytes as the shard holds them, in shard `shard`.
struct BundleTensor {
  std::string key;
  int dtype = 1;
  std::vector<int64_t> shape;
  std::string bytes;
  int shard = 0;
};

// Bytes of float values, little endian.
std::string float_bytes(const std::vector<float>& values);
// A string tensor as a shard holds it: varint64 lengths, their masked CRC, the bytes.
std::string string_tensor_bytes(const std::vector<std::string>& values);
// The masked CRC32C a BundleEntryProto stores for a tensor's bytes (string tensors: computed
// over the lengths as uint32, their CRC and the bytes, as TensorFlow does).
uint32_t entry_crc(const BundleTensor& tensor);

// Writes PREFIX.index and num_shards data shards.
void write_bundle(const std::string& prefix, const std::vector<BundleTensor>& tensors,
                  int num_shards = 1, const TableOptions& options = {});

}  // namespace layerscope::test
