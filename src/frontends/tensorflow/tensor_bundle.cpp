// The checkpoint reader: the index read whole and checked at open, each tensor read from its shard
// on demand.
#include "frontends/tensorflow/tensor_bundle.h"

#include <layerscope/error.h>

#include "frontends/tensorflow/graph_builder.h"
#include "frontends/tensorflow/sorted_table.h"
#include "io/crc32c.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace layerscope::tensorflow_frontend {
namespace {

namespace fs = std::filesystem;
namespace tf = ::tensorflow;

// The newest bundle format this reader knows (TensorFlow's kTensorBundleVersion).
constexpr int kBundleVersion = 1;

bool is_inside(const fs::path& path, const fs::path& folder) {
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p)
    if (p == path.end() || *p != *f) return false;
  return true;
}

// `path`, refused when it resolves (through symbolic links) outside `root`.
std::string inside_root(const std::string& path, const std::string& root) {
  std::error_code ec;
  const fs::path folder = fs::weakly_canonical(root, ec);
  const fs::path resolved = fs::weakly_canonical(path, ec);
  if (ec || !is_inside(resolved, folder))
    throw Error("'" + path + "' resolves outside the SavedModel directory '" + root + "'");
  return path;
}

std::string read_whole(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error("the checkpoint's " + what + " '" + path + "' is missing");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw Error("cannot read the checkpoint's " + what + " '" + path + "'");
  return bytes.str();
}

Shape entry_shape(const tf::BundleEntryProto& entry, const std::string& where) {
  Shape shape;
  for (const auto& dim : entry.shape().dim()) {
    if (dim.size() < 0) throw Error(where + " has a negative dimension in its shape");
    shape.push_back(dim.size());
  }
  return shape;
}

// Elements of `shape`, or -1 when the count overflows.
int64_t checked_count(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) return -1;
    count *= d;
  }
  return count;
}

bool get_varint64(const std::string& bytes, std::size_t& at, std::size_t end, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && at < end; shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[at++]);
    out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

TensorBundle TensorBundle::open(const std::string& prefix, const std::string& root) {
  TensorBundle bundle;
  bundle.prefix_ = prefix;
  bundle.root_ = root;
  bundle.index_path_ = inside_root(prefix + ".index", root);
  const std::string& index = bundle.index_path_;
  const std::string bytes = read_whole(index, "index");
  const std::vector<TableEntry> table = read_table(bytes, index);
  if (table.empty() || !table[0].key.empty())
    throw Error("checkpoint index '" + index + "' has no header entry (key \"\")");
  tf::BundleHeaderProto header;
  if (!header.ParseFromString(table[0].value))
    throw Error("checkpoint index '" + index + "' has a header that is not a BundleHeaderProto");
  if (header.endianness() != tf::BundleHeaderProto::LITTLE)
    throw Error("checkpoint index '" + index +
                "' describes big-endian tensors; only little-endian checkpoints are read");
  if (header.version().min_consumer() > kBundleVersion)
    throw Error("checkpoint index '" + index + "' needs a reader of bundle version " +
                std::to_string(header.version().min_consumer()) + " or newer; this one reads " +
                std::to_string(kBundleVersion));
  if (header.num_shards() < 1 || header.num_shards() > 99999)
    throw Error("checkpoint index '" + index + "' says it has " +
                std::to_string(header.num_shards()) + " data shards; expected 1 to 99999");
  bundle.num_shards_ = header.num_shards();
  for (std::size_t i = 1; i < table.size(); ++i) {
    tf::BundleEntryProto entry;
    if (!entry.ParseFromString(table[i].value))
      throw Error("checkpoint index '" + index + "': the entry of key '" + table[i].key +
                  "' is not a BundleEntryProto");
    bundle.entries_.emplace(table[i].key, std::move(entry));
  }
  return bundle;
}

std::vector<std::string> TensorBundle::keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, entry] : entries_) keys.push_back(key);
  return keys;
}

const tf::BundleEntryProto& TensorBundle::entry(const std::string& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    throw Error("checkpoint index '" + index_path_ + "' has no key '" + key + "'");
  return it->second;
}

std::string TensorBundle::shard_holding(const std::string& key,
                                        const tf::BundleEntryProto& entry) const {
  const std::string where = "checkpoint index '" + index_path_ + "', key '" + key + "'";
  if (entry.slices_size() > 0)
    throw Error(where + " is a partitioned variable (saved in slices), which is not read");
  if (entry.shard_id() < 0 || entry.shard_id() >= num_shards_)
    throw Error(where + " is in data shard " + std::to_string(entry.shard_id()) +
                ", but the checkpoint has shards 0 to " + std::to_string(num_shards_ - 1));
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", entry.shard_id(), num_shards_);
  const std::string shard = inside_root(prefix_ + suffix, root_);
  std::error_code ec;
  if (!fs::is_regular_file(shard, ec))
    throw Error(where + " is in the data shard '" + shard + "', which is missing");
  const uint64_t file_size = fs::file_size(shard, ec);
  if (ec) throw Error(where + ": cannot read the size of the data shard '" + shard + "'");
  if (entry.offset() < 0 || entry.size() < 0 || static_cast<uint64_t>(entry.offset()) > file_size ||
      static_cast<uint64_t>(entry.size()) > file_size - static_cast<uint64_t>(entry.offset()))
    throw Error(where + " points at bytes " + std::to_string(entry.offset()) + ".." +
                std::to_string(entry.offset() + entry.size()) + " of the data shard '" + shard +
                "', which has " + std::to_string(file_size) + " (truncated or corrupt)");
  return shard;
}

void TensorBundle::read_bytes(const std::string& shard, const std::string& key,
                              const tf::BundleEntryProto& entry, char* into) const {
  std::ifstream in(shard, std::ios::binary);
  in.seekg(entry.offset());
  in.read(into, entry.size());
  if (!in)
    throw Error("checkpoint index '" + index_path_ + "', key '" + key +
                "': reading its bytes from the data shard '" + shard + "' failed");
}

Tensor TensorBundle::read(const std::string& key) const {
  const tf::BundleEntryProto& e = entry(key);
  const std::string where = "checkpoint index '" + index_path_ + "', key '" + key + "'";
  const DType dtype = dtype_from_tf(e.dtype());
  if (dtype == DType::Undefined || dtype == DType::String)
    throw Error(where + " holds a tensor of TF type " + std::to_string(e.dtype()) +
                "; expected a numeric or bool tensor");
  const Shape shape = entry_shape(e, where);
  const int64_t count = checked_count(shape);
  const auto element = static_cast<int64_t>(dtype_size(dtype));
  if (count < 0 || count > std::numeric_limits<int64_t>::max() / element ||
      count * element != e.size())
    throw Error(where + " has " + std::to_string(e.size()) + " bytes, but its shape " +
                shape_string(shape) + " of " + dtype_name(dtype) + " needs " +
                (count < 0 ? std::string("more than 2^63") : std::to_string(count * element)));
  const std::string shard = shard_holding(key, e);
  Tensor tensor = Tensor::zeros(dtype, shape);
  auto* data = static_cast<char*>(tensor.raw());
  read_bytes(shard, key, e, data);
  if (io::crc32c(data, static_cast<std::size_t>(e.size())) != io::unmask_crc(e.crc32c()))
    throw Error(where + ": CRC mismatch in its bytes in the data shard '" + shard +
                "' (corrupt checkpoint)");
  return tensor;
}

std::vector<std::string> TensorBundle::read_strings(const std::string& key) const {
  const tf::BundleEntryProto& e = entry(key);
  const std::string where = "checkpoint index '" + index_path_ + "', key '" + key + "'";
  if (e.dtype() != tf::DT_STRING)
    throw Error(where + " holds a tensor of TF type " + std::to_string(e.dtype()) +
                "; expected strings");
  const int64_t count = checked_count(entry_shape(e, where));
  const std::string shard = shard_holding(key, e);
  std::string bytes(static_cast<std::size_t>(e.size()), '\0');
  read_bytes(shard, key, e, bytes.data());
  const auto corrupt = [&](const std::string& why) {
    return Error(where + ": its strings in the data shard '" + shard + "' are corrupt (" + why +
                 ")");
  };
  // Each length takes a byte at least: a count beyond the bytes is corrupt, found before the
  // lengths are allocated.
  if (count < 0 || static_cast<uint64_t>(count) > bytes.size())
    throw corrupt(std::to_string(count) + " elements in " + std::to_string(bytes.size()) +
                  " bytes");
  std::vector<uint64_t> lengths(static_cast<std::size_t>(count));
  std::size_t at = 0;
  uint32_t crc = 0;
  for (uint64_t& length : lengths) {
    if (!get_varint64(bytes, at, bytes.size(), length)) throw corrupt("a length runs past the end");
    if (length <= 0xffffffffu) {
      const auto narrow = static_cast<uint32_t>(length);
      crc = io::crc32c_extend(crc, &narrow, 4);  // little-endian host, as the file
    } else {
      crc = io::crc32c_extend(crc, &length, 8);
    }
  }
  if (bytes.size() - at < 4) throw corrupt("no checksum after the lengths");
  uint32_t lengths_crc = 0;
  for (int i = 3; i >= 0; --i)
    lengths_crc = (lengths_crc << 8) | static_cast<unsigned char>(bytes[at + i]);
  if (io::unmask_crc(lengths_crc) != crc) throw corrupt("CRC mismatch in the lengths");
  crc = io::crc32c_extend(crc, bytes.data() + at, 4);
  at += 4;
  std::vector<std::string> strings;
  for (uint64_t length : lengths) {
    if (length > bytes.size() - at) throw corrupt("a string runs past the end");
    strings.push_back(bytes.substr(at, length));
    crc = io::crc32c_extend(crc, bytes.data() + at, length);
    at += length;
  }
  if (at != bytes.size()) throw corrupt(std::to_string(bytes.size() - at) + " bytes left over");
  if (crc != io::unmask_crc(e.crc32c())) throw corrupt("CRC mismatch");
  return strings;
}

}  // namespace layerscope::tensorflow_frontend
