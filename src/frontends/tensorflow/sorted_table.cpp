// LevelDB's table format, as TensorFlow writes checkpoint indexes: read whole (an index holds one
// small entry per variable), every block's CRC checked before it is parsed.
#include "frontends/tensorflow/sorted_table.h"

#include <layerscope/error.h>

#include "io/crc32c.h"

#include <snappy.h>

#include <cstdint>
#include <unordered_set>

namespace layerscope::tensorflow_frontend {
namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr std::size_t kFooterSize = 48;
constexpr std::size_t kBlockTrailerSize = 5;  // compression type + masked CRC32C
constexpr char kNoCompression = 0;
constexpr char kSnappyCompression = 1;
// A valid snappy stream expands at most ~22x (a 3-byte copy makes 64 bytes): a larger claim in its
// header is corruption, refused before anything is allocated.
constexpr uint64_t kMaxSnappyExpansion = 32;

uint32_t le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t le64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Reads a varint of at most `max_bits` from bytes [at, end); false if it runs past `end` or is too
// long.
bool get_varint(std::string_view bytes, std::size_t& at, std::size_t end, int max_bits,
                uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < max_bits && at < end; shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[at++]);
    out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return max_bits >= 64 || out >> max_bits == 0;
  }
  return false;
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

class TableReader {
 public:
  TableReader(std::string_view bytes, const std::string& where) : bytes_(bytes), where_(where) {}

  std::vector<TableEntry> read() {
    if (bytes_.size() < kFooterSize)
      fail("is " + std::to_string(bytes_.size()) +
           " bytes long, too short for a table (its footer alone is 48 bytes)");
    const std::size_t footer = bytes_.size() - kFooterSize;
    if (le64(bytes_.data() + footer + 40) != kTableMagic)
      fail(
          "does not end in the table magic number 0xdb4775248b80fb57 (not a checkpoint index, or "
          "truncated)");
    std::size_t at = footer;
    const BlockHandle metaindex = handle(at, footer + 40, "the footer's metaindex handle");
    const BlockHandle index = handle(at, footer + 40, "the footer's index handle");
    block(metaindex, "metaindex block");  // TensorFlow's is empty; its CRC is checked all the same
    std::vector<TableEntry> entries;
    for (const TableEntry& data : parse_block(block(index, "index block"), index.offset)) {
      std::size_t in = 0;
      const BlockHandle h = handle_from(data.value, in, "an index entry's block handle");
      std::vector<TableEntry> block_entries = parse_block(block(h, "data block"), h.offset);
      for (TableEntry& entry : block_entries) {
        if (!entries.empty() && entry.key <= entries.back().key)
          fail("has its keys out of order ('" + entry.key + "' after '" + entries.back().key +
               "') in the data block at byte " + std::to_string(h.offset));
        entries.push_back(std::move(entry));
      }
      if (!block_entries.empty() && entries.back().key > data.key)
        fail("has key '" + entries.back().key + "' in the data block at byte " +
             std::to_string(h.offset) + " past its index key '" + data.key + "'");
    }
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("checkpoint index '" + where_ + "' " + what);
  }

  BlockHandle handle(std::size_t& at, std::size_t end, const std::string& what) {
    BlockHandle h;
    if (!get_varint(bytes_, at, end, 64, h.offset) || !get_varint(bytes_, at, end, 64, h.size))
      fail("has a malformed block handle in " + what);
    return h;
  }

  BlockHandle handle_from(std::string_view value, std::size_t& at, const std::string& what) {
    BlockHandle h;
    if (!get_varint(value, at, value.size(), 64, h.offset) ||
        !get_varint(value, at, value.size(), 64, h.size))
      fail("has a malformed block handle in " + what);
    return h;
  }

  // The block's contents, its CRC checked and decompressed.
  std::string block(const BlockHandle& h, const std::string& what) {
    const uint64_t limit = bytes_.size() - kFooterSize;  // blocks come before the footer
    if (h.offset > limit || h.size > limit - h.offset ||
        kBlockTrailerSize > limit - h.offset - h.size)
      fail("has a " + what + " handle (offset " + std::to_string(h.offset) + ", size " +
           std::to_string(h.size) + ") past the end of the file's " + std::to_string(limit) +
           " bytes of blocks");
    const char* start = bytes_.data() + h.offset;
    const char type = start[h.size];
    const uint32_t stored = io::unmask_crc(le32(start + h.size + 1));
    if (io::crc32c(start, h.size + 1) != stored)
      fail("has a CRC mismatch in the " + what + " at byte " + std::to_string(h.offset) +
           " (corrupt file)");
    if (type == kNoCompression) return std::string(start, h.size);
    if (type != kSnappyCompression)
      fail("has a " + what + " at byte " + std::to_string(h.offset) + " with compression type " +
           std::to_string(static_cast<unsigned char>(type)) + "; expected 0 (none) or 1 (snappy)");
    std::size_t length = 0;
    if (!snappy::GetUncompressedLength(start, h.size, &length) ||
        length > h.size * kMaxSnappyExpansion + 1024 ||
        !snappy::IsValidCompressedBuffer(start, h.size))
      fail("has a " + what + " at byte " + std::to_string(h.offset) +
           " that is not valid snappy data");
    std::string contents(length, '\0');
    if (!snappy::RawUncompress(start, h.size, contents.data()))
      fail("has a " + what + " at byte " + std::to_string(h.offset) +
           " that is not valid snappy data");
    return contents;
  }

  // The entries of one block, keys rebuilt from their shared prefixes; every restart point must
  // be an entry that shares nothing with the previous key.
  std::vector<TableEntry> parse_block(const std::string& block, uint64_t offset) {
    const auto bad = [&](const std::string& why) {
      fail("has a malformed block at byte " + std::to_string(offset) + ": " + why);
    };
    if (block.size() < 4) bad("shorter than its restart count");
    const uint64_t restarts = le32(block.data() + block.size() - 4);
    // No restart point is an empty block (LevelDB reads it so); entries need one.
    if ((restarts == 0 && block.size() > 4) || restarts > (block.size() - 4) / 4)
      bad(std::to_string(restarts) + " restart points do not fit in its " +
          std::to_string(block.size()) + " bytes");
    const std::size_t entries_end = block.size() - 4 - 4 * restarts;
    std::unordered_set<std::size_t> fresh_entries;  // offsets of entries with shared == 0
    std::vector<TableEntry> entries;
    std::string key;
    for (std::size_t at = 0; at < entries_end;) {
      const std::size_t entry_start = at;
      uint64_t shared = 0, non_shared = 0, value_size = 0;
      if (!get_varint(block, at, entries_end, 32, shared) ||
          !get_varint(block, at, entries_end, 32, non_shared) ||
          !get_varint(block, at, entries_end, 32, value_size))
        bad("an entry header at " + std::to_string(entry_start) + " runs past its entries");
      if (shared > key.size())
        bad("an entry at " + std::to_string(entry_start) + " shares " + std::to_string(shared) +
            " bytes with a " + std::to_string(key.size()) + "-byte key");
      if (non_shared > entries_end - at || value_size > entries_end - at - non_shared)
        bad("an entry at " + std::to_string(entry_start) + " runs past its entries");
      if (shared == 0) fresh_entries.insert(entry_start);
      key.resize(shared);
      key.append(block, at, non_shared);
      at += non_shared;
      entries.push_back({key, block.substr(at, value_size)});
      at += value_size;
    }
    uint64_t previous = 0;
    for (uint64_t r = 0; r < restarts; ++r) {
      const uint64_t restart = le32(block.data() + entries_end + 4 * r);
      if ((r > 0 && restart <= previous) ||
          (entries.empty() ? restart != 0 : !fresh_entries.count(restart)))
        bad("restart point " + std::to_string(r) + " (" + std::to_string(restart) +
            ") is not the start of an entry with a whole key");
      previous = restart;
    }
    return entries;
  }

  std::string_view bytes_;
  const std::string& where_;
};

}  // namespace

std::vector<TableEntry> read_table(std::string_view bytes, const std::string& where) {
  return TableReader(bytes, where).read();
}

}  // namespace layerscope::tensorflow_frontend
