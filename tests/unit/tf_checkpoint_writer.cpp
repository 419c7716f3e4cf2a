#include "tf_checkpoint_writer.h"

#include "io/crc32c.h"
#include "proto/tensorflow/tensor_bundle.pb.h"

#include <snappy.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

namespace layerscope::test {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
}

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval) : interval_(restart_interval) {}
  void add(const std::string& key, const std::string& value) {
    std::size_t shared = 0;
    if (count_ % interval_ == 0) {
      restarts_.push_back(static_cast<uint32_t>(body_.size()));
    } else {
      while (shared < key.size() && shared < last_.size() && key[shared] == last_[shared]) ++shared;
    }
    put_varint(body_, shared);
    put_varint(body_, key.size() - shared);
    put_varint(body_, value.size());
    body_ += key.substr(shared) + value;
    last_ = key;
    ++count_;
  }
  std::size_t size() const { return body_.size(); }
  bool empty() const { return count_ == 0; }
  std::string finish() {
    if (restarts_.empty()) restarts_.push_back(0);
    std::string block = body_;
    for (uint32_t r : restarts_) put_le(block, r, 4);
    put_le(block, restarts_.size(), 4);
    return block;
  }

 private:
  int interval_;
  std::string body_, last_;
  std::vector<uint32_t> restarts_;
  int count_ = 0;
};

// Appends a block with its trailer; returns its handle's encoding.
std::string append_block(std::string& file, const std::string& contents, bool snappy) {
  std::string stored = contents;
  char type = 0;
  if (snappy) {
    snappy::Compress(contents.data(), contents.size(), &stored);
    type = 1;
  }
  std::string handle;
  put_varint(handle, file.size());
  put_varint(handle, stored.size());
  file += stored;
  file += type;
  const uint32_t crc = io::crc32c(file.data() + file.size() - stored.size() - 1, stored.size() + 1);
  put_le(file, io::mask_crc(crc), 4);
  return handle;
}

}  // namespace

std::string make_table(const TableEntries& entries, const TableOptions& options) {
  std::string file;
  BlockBuilder data(options.restart_interval), index(1);
  std::string last_key;
  const auto flush = [&] {
    if (data.empty()) return;
    index.add(last_key, append_block(file, data.finish(), options.snappy));
    data = BlockBuilder(options.restart_interval);
  };
  for (const auto& [key, value] : entries) {
    data.add(key, value);
    last_key = key;
    if (data.size() >= options.block_size) flush();
  }
  flush();
  const std::string metaindex = append_block(file, BlockBuilder(1).finish(), options.snappy);
  const std::string index_handle = append_block(file, index.finish(), options.snappy);
  std::string footer = metaindex + index_handle;
  footer.resize(40, '\0');
  put_le(footer, 0xdb4775248b80fb57ull, 8);
  return file + footer;
}

std::string float_bytes(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string string_tensor_bytes(const std::vector<std::string>& values) {
  std::string bytes;
  uint32_t crc = 0;
  for (const std::string& v : values) {
    put_varint(bytes, v.size());
    const auto length = static_cast<uint32_t>(v.size());
    crc = io::crc32c_extend(crc, &length, 4);
  }
  put_le(bytes, io::mask_crc(crc), 4);
  for (const std::string& v : values) bytes += v;
  return bytes;
}

uint32_t entry_crc(const BundleTensor& tensor) {
  if (tensor.dtype != 7) return io::mask_crc(io::crc32c(tensor.bytes.data(), tensor.bytes.size()));
  // The lengths count as uint32s, not as their varints: recompute from the bytes.
  uint32_t crc = 0;
  std::size_t at = 0;
  int64_t count = 1;
  for (int64_t d : tensor.shape) count *= d;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(tensor.bytes[at++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    const auto length = static_cast<uint32_t>(v);
    crc = io::crc32c_extend(crc, &length, 4);
  }
  return io::mask_crc(io::crc32c_extend(crc, tensor.bytes.data() + at, tensor.bytes.size() - at));
}

void write_bundle(const std::string& prefix, const std::vector<BundleTensor>& tensors,
                  int num_shards, const TableOptions& options) {
  std::vector<std::string> shards(num_shards);
  std::map<std::string, std::string> entries;
  ::tensorflow::BundleHeaderProto header;
  header.set_num_shards(num_shards);
  header.mutable_version()->set_producer(1);
  entries[""] = header.SerializeAsString();
  for (const BundleTensor& t : tensors) {
    ::tensorflow::BundleEntryProto entry;
    entry.set_dtype(static_cast<::tensorflow::DataType>(t.dtype));
    for (int64_t d : t.shape) entry.mutable_shape()->add_dim()->set_size(d);
    entry.set_shard_id(t.shard);
    entry.set_offset(static_cast<int64_t>(shards[t.shard].size()));
    entry.set_size(static_cast<int64_t>(t.bytes.size()));
    entry.set_crc32c(entry_crc(t));
    shards[t.shard] += t.bytes;
    entries[t.key] = entry.SerializeAsString();
  }
  std::ofstream(prefix + ".index", std::ios::binary)
      << make_table(TableEntries(entries.begin(), entries.end()), options);
  for (int s = 0; s < num_shards; ++s) {
    char suffix[40];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", s, num_shards);
    std::ofstream(prefix + suffix, std::ios::binary) << shards[s];
  }
}

}  // namespace layerscope::test
