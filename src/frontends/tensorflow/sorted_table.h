#pragma once
// Reads the sorted string table TensorFlow's checkpoint index (variables/variables.index) is
// written in: LevelDB's table format.
//
//   data block ... data block | metaindex block | index block | footer (48 bytes)
//
// A block is a run of entries, then uint32 restart offsets and their count (all little endian);
// each entry is varint32 shared, varint32 non_shared, varint32 value_size, the key's last
// non_shared bytes (its first `shared` come from the previous key, 0 at a restart point), the
// value. Each block is followed by a 1-byte compression type (0 none, 1 snappy) and the masked
// CRC32C of the block and that byte. The index block maps a key >= every key of a data block to
// that block's handle (varint64 offset, varint64 size); the footer holds the metaindex and index
// handles, zero padding to 40 bytes, and the magic number 0xdb4775248b80fb57.
#include <string>
#include <string_view>
#include <vector>

namespace layerscope::tensorflow_frontend {

struct TableEntry {
  std::string key;
  std::string value;
};

// Every entry of the table in `bytes`, in key order. Throws Error naming `where` (the file) and
// the byte offset for a bad footer or magic, a block handle outside the file, a CRC mismatch, an
// unknown compression, a malformed block or keys out of order.
std::vector<TableEntry> read_table(std::string_view bytes, const std::string& where);

}  // namespace layerscope::tensorflow_frontend
