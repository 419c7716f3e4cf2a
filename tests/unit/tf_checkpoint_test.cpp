// The TensorFlow checkpoint reader: the LevelDB-format table of the index (prefix-compressed keys,
// restart points, several blocks, snappy blocks) and the tensor bundle on top of it, with every
// kind of damage refused in one line naming the file and the key.
#include "frontends/tensorflow/sorted_table.h"
#include "frontends/tensorflow/tensor_bundle.h"
#include "io/crc32c.h"
#include "model_builder.h"
#include "tf_checkpoint_writer.h"

#include <layerscope/error.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace layerscope {
namespace {

namespace fs = std::filesystem;
using tensorflow_frontend::read_table;
using tensorflow_frontend::TableEntry;
using tensorflow_frontend::TensorBundle;
using test::BundleTensor;
using test::error_of;
using test::TableEntries;
using test::TableOptions;
using test::TempDir;

TableEntries many_entries(int n) {
  TableEntries entries;
  for (int i = 0; i < n; ++i) {
    char key[64];
    // Long shared prefixes, as checkpoint keys have ("layer_with_weights-3/kernel/...").
    std::snprintf(key, sizeof key, "model/block_%03d/conv/kernel/.ATTRIBUTES/VALUE", i);
    entries.emplace_back(key,
                         std::string(static_cast<std::size_t>(20 + i % 7), char('a' + i % 26)));
  }
  return entries;
}

void expect_entries(const std::vector<TableEntry>& read, const TableEntries& written) {
  ASSERT_EQ(read.size(), written.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].key, written[i].first) << i;
    EXPECT_EQ(read[i].value, written[i].second) << i;
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// --- the table ---

TEST(TfSortedTable, ReadsPrefixCompressedKeysAcrossRestartPoints) {
  const TableEntries entries = many_entries(40);
  for (int interval : {1, 3, 16, 100}) {
    const std::string table = test::make_table(entries, {.restart_interval = interval});
    expect_entries(read_table(table, "t"), entries);
  }
  // Prefix compression took effect (the keys share "model/block_"): a restart at every entry
  // stores every key whole.
  EXPECT_LT(test::make_table(entries, {.restart_interval = 16}).size() + 300,
            test::make_table(entries, {.restart_interval = 1}).size());
}

TEST(TfSortedTable, ReadsManyDataBlocks) {
  const TableEntries entries = many_entries(200);
  const std::string table = test::make_table(entries, {.restart_interval = 4, .block_size = 256});
  expect_entries(read_table(table, "t"), entries);
}

TEST(TfSortedTable, ReadsSnappyBlocks) {
  const TableEntries entries = many_entries(120);
  const TableOptions options{.restart_interval = 5, .block_size = 512, .snappy = true};
  const std::string table = test::make_table(entries, options);
  expect_entries(read_table(table, "t"), entries);
  EXPECT_LT(table.size(), test::make_table(entries, {.restart_interval = 5, .block_size = 512})
                              .size());  // snappy found the repeats
}

TEST(TfSortedTable, ReadsAnEmptyTable) {
  EXPECT_TRUE(read_table(test::make_table({}), "t").empty());
}

TEST(TfSortedTable, RefusesAShortFileOrABadMagic) {
  EXPECT_EQ(error_of([] { read_table(std::string(20, '\0'), "x.index"); }),
            "checkpoint index 'x.index' is 20 bytes long, too short for a table (its footer alone "
            "is 48 bytes)");
  std::string table = test::make_table(many_entries(3));
  table.back() ^= 1;
  EXPECT_EQ(error_of([&] { read_table(table, "x.index"); }),
            "checkpoint index 'x.index' does not end in the table magic number 0xdb4775248b80fb57 "
            "(not a checkpoint index, or truncated)");
  const std::string whole = test::make_table(many_entries(3));
  EXPECT_NE(error_of([&] { read_table(whole.substr(0, whole.size() - 1), "x.index"); }), "");
}

TEST(TfSortedTable, RefusesABlockHandleOutOfRange) {
  std::string table = test::make_table(many_entries(3));
  // The footer starts with the metaindex handle: its offset varint, made huge.
  const std::size_t footer = table.size() - 48;
  std::string handles = "\xff\xff\xff\xff\x0f\x01";  // offset 2^32 - 1, size 1
  table.replace(footer, handles.size(), handles);
  EXPECT_EQ(error_of([&] { read_table(table, "x.index"); }),
            "checkpoint index 'x.index' has a metaindex block handle (offset 4294967295, size 1) "
            "past the end of the file's " +
                std::to_string(footer) + " bytes of blocks");
}

TEST(TfSortedTable, RefusesACrcMismatch) {
  std::string table = test::make_table(many_entries(3));
  table[5] ^= 0x20;  // inside the first data block
  EXPECT_EQ(error_of([&] { read_table(table, "x.index"); }),
            "checkpoint index 'x.index' has a CRC mismatch in the data block at byte 0 (corrupt "
            "file)");
}

// Re-signs the block that starts at 0 and is `size` bytes long after it was edited.
void resign_first_block(std::string& table, std::size_t size) {
  const uint32_t crc = io::mask_crc(io::crc32c(table.data(), size + 1));
  for (int i = 0; i < 4; ++i) table[size + 1 + i] = static_cast<char>(crc >> (8 * i));
}

std::size_t first_block_size(const std::string& table) {
  // With one data block, the metaindex block follows it directly: its offset (the footer's first
  // varint) minus the data block's 5-byte trailer is the data block's size.
  std::size_t offset = 0;
  for (std::size_t i = table.size() - 48, shift = 0;; ++i, shift += 7) {
    offset |= static_cast<std::size_t>(table[i] & 0x7f) << shift;
    if (!(table[i] & 0x80)) break;
  }
  return offset - 5;
}

TEST(TfSortedTable, RefusesAnUnknownCompressionType) {
  std::string table = test::make_table(many_entries(3));
  const std::size_t size = first_block_size(table);
  table[size] = 7;
  resign_first_block(table, size);
  EXPECT_EQ(error_of([&] { read_table(table, "x.index"); }),
            "checkpoint index 'x.index' has a data block at byte 0 with compression type 7; "
            "expected 0 (none) or 1 (snappy)");
}

TEST(TfSortedTable, RefusesMalformedBlocks) {
  std::string table = test::make_table(many_entries(3));
  const std::size_t size = first_block_size(table);
  // A restart count larger than the block.
  std::string bad = table;
  bad[size - 4] = 100;
  resign_first_block(bad, size);
  EXPECT_EQ(error_of([&] { read_table(bad, "x.index"); }),
            "checkpoint index 'x.index' has a malformed block at byte 0: 100 restart points do not "
            "fit in its " +
                std::to_string(size) + " bytes");
  // The first entry claims to share bytes with a previous key it does not have.
  bad = table;
  bad[0] = 5;
  resign_first_block(bad, size);
  EXPECT_EQ(error_of([&] { read_table(bad, "x.index"); }),
            "checkpoint index 'x.index' has a malformed block at byte 0: an entry at 0 shares 5 "
            "bytes with a 0-byte key");
  // A key that runs past the entries.
  bad = table;
  bad[1] = 127;
  resign_first_block(bad, size);
  EXPECT_NE(error_of([&] {
              read_table(bad, "x.index");
            }).find("checkpoint index 'x.index' has a malformed block at byte 0: an entry at "),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_table(bad, "x.index"); }).find("runs past its entries"),
            std::string::npos);
}

TEST(TfSortedTable, RefusesARestartPointInsideAnEntry) {
  std::string table = test::make_table(many_entries(3), {.restart_interval = 1});
  const std::size_t size = first_block_size(table);
  // Three restarts then their count: the second one moved by a byte.
  table[size - 4 - 8] += 1;
  resign_first_block(table, size);
  EXPECT_NE(error_of([&] { read_table(table, "x.index"); }).find("restart point 1"),
            std::string::npos);
}

TEST(TfSortedTable, RefusesKeysOutOfOrder) {
  const std::string table = test::make_table({{"b", "1"}, {"a", "2"}});
  EXPECT_EQ(error_of([&] { read_table(table, "x.index"); }),
            "checkpoint index 'x.index' has its keys out of order ('a' after 'b') in the data "
            "block at byte 0");
}

// --- the bundle ---

class TfBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir.file("variables"));
    prefix = dir.file("variables/variables");
  }
  std::vector<BundleTensor> tensors() const {
    std::string int64s(3 * 8, '\0');
    for (int i = 0; i < 3; ++i) int64s[8 * i] = static_cast<char>(i * 5);
    return {{"dense/kernel", 1, {2, 3}, test::float_bytes({1, 2, 3, 4, 5, -6.5f})},
            {"dense/bias", 1, {3}, test::float_bytes({0.5f, 0, -1})},
            {"step", 9, {3}, int64s},
            {"flags", 10, {2}, std::string("\x01\x00", 2)},
            {"names", 7, {3}, test::string_tensor_bytes({"a", "", "long name"})}};
  }
  std::string where(const std::string& key) const {
    return "checkpoint index '" + prefix + ".index', key '" + key + "'";
  }
  TempDir dir;
  std::string prefix;
};

TEST_F(TfBundle, ReadsTensorsOfEveryKindAndTheirKeys) {
  test::write_bundle(prefix, tensors());
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  EXPECT_EQ(bundle.keys(),
            (std::vector<std::string>{"dense/bias", "dense/kernel", "flags", "names", "step"}));
  const Tensor kernel = bundle.read("dense/kernel");
  EXPECT_EQ(kernel.dtype(), DType::Float32);
  EXPECT_EQ(kernel.shape(), (Shape{2, 3}));
  EXPECT_EQ(to_doubles(kernel), (std::vector<double>{1, 2, 3, 4, 5, -6.5}));
  EXPECT_EQ(to_doubles(bundle.read("step")), (std::vector<double>{0, 5, 10}));
  EXPECT_EQ(bundle.read("step").dtype(), DType::Int64);
  EXPECT_EQ(to_doubles(bundle.read("flags")), (std::vector<double>{1, 0}));
  EXPECT_EQ(bundle.read_strings("names"), (std::vector<std::string>{"a", "", "long name"}));
  EXPECT_EQ(error_of([&] { bundle.read("missing"); }),
            "checkpoint index '" + prefix + ".index' has no key 'missing'");
}

TEST_F(TfBundle, ReadsSeveralShardsAndSnappyIndexes) {
  std::vector<BundleTensor> t = tensors();
  t[1].shard = 1;
  t[3].shard = 1;
  test::write_bundle(prefix, t, 2, {.restart_interval = 2, .block_size = 64, .snappy = true});
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  EXPECT_EQ(to_doubles(bundle.read("dense/bias")), (std::vector<double>{0.5, 0, -1}));
  EXPECT_EQ(to_doubles(bundle.read("dense/kernel")), (std::vector<double>{1, 2, 3, 4, 5, -6.5}));
}

TEST_F(TfBundle, RefusesAMissingIndex) {
  EXPECT_EQ(error_of([&] { TensorBundle::open(prefix, dir.path()); }),
            "the checkpoint's index '" + prefix + ".index' is missing");
}

TEST_F(TfBundle, RefusesAMissingShard) {
  test::write_bundle(prefix, tensors());
  fs::remove(prefix + ".data-00000-of-00001");
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  EXPECT_EQ(error_of([&] { bundle.read("dense/bias"); }),
            where("dense/bias") + " is in the data shard '" + prefix +
                ".data-00000-of-00001', which is missing");
}

TEST_F(TfBundle, RefusesATruncatedShard) {
  test::write_bundle(prefix, tensors());
  const std::string shard = prefix + ".data-00000-of-00001";
  const std::string bytes = slurp(shard);
  spit(shard, bytes.substr(0, 30));
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  // "dense/kernel" is bytes 0..24: still there; "dense/bias" (24..36) is cut.
  EXPECT_EQ(to_doubles(bundle.read("dense/kernel")).size(), 6u);
  EXPECT_EQ(error_of([&] { bundle.read("dense/bias"); }),
            where("dense/bias") + " points at bytes 24..36 of the data shard '" + shard +
                "', which has 30 (truncated or corrupt)");
}

TEST_F(TfBundle, RefusesACrcMismatchInTheTensorBytes) {
  test::write_bundle(prefix, tensors());
  const std::string shard = prefix + ".data-00000-of-00001";
  std::string bytes = slurp(shard);
  bytes[25] ^= 1;  // a byte of dense/bias
  spit(shard, bytes);
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  EXPECT_EQ(error_of([&] { bundle.read("dense/bias"); }),
            where("dense/bias") + ": CRC mismatch in its bytes in the data shard '" + shard +
                "' (corrupt checkpoint)");
  // The strings' CRC covers their bytes too.
  bytes = slurp(shard);
  bytes.back() ^= 1;
  spit(shard, bytes);
  EXPECT_EQ(error_of([&] { bundle.read_strings("names"); }),
            where("names") + ": its strings in the data shard '" + shard +
                "' are corrupt (CRC mismatch)");
}

TEST_F(TfBundle, RefusesAnEntryPointingPastTheData) {
  std::vector<BundleTensor> t = tensors();
  test::write_bundle(prefix, t);
  // Rewrite the index with one entry's offset moved past the shard's end.
  ::tensorflow::BundleEntryProto entry;
  std::map<std::string, std::string> entries;
  for (const TableEntry& e : read_table(slurp(prefix + ".index"), "i")) entries[e.key] = e.value;
  entry.ParseFromString(entries["dense/bias"]);
  entry.set_offset(1000000);
  entries["dense/bias"] = entry.SerializeAsString();
  spit(prefix + ".index", test::make_table(TableEntries(entries.begin(), entries.end())));
  const TensorBundle bundle = TensorBundle::open(prefix, dir.path());
  EXPECT_NE(error_of([&] {
              bundle.read("dense/bias");
            }).find(where("dense/bias") + " points at bytes 1000000..1000012 of the data shard"),
            std::string::npos);
  // A size that is not the shape's: refused before any allocation or read.
  entry.set_offset(0);
  entry.set_size(int64_t{1} << 60);
  entry.mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 58);
  entries["dense/bias"] = entry.SerializeAsString();
  spit(prefix + ".index", test::make_table(TableEntries(entries.begin(), entries.end())));
  const TensorBundle huge = TensorBundle::open(prefix, dir.path());
  EXPECT_NE(error_of([&] { huge.read("dense/bias"); }).find("of the data shard"),
            std::string::npos);
  entry.set_size(7);
  entry.mutable_shape()->mutable_dim(0)->set_size(3);
  entries["dense/bias"] = entry.SerializeAsString();
  spit(prefix + ".index", test::make_table(TableEntries(entries.begin(), entries.end())));
  EXPECT_EQ(error_of([&] { TensorBundle::open(prefix, dir.path()).read("dense/bias"); }),
            where("dense/bias") + " has 7 bytes, but its shape 3 of float32 needs 12");
}

TEST_F(TfBundle, RefusesAShardIdBeyondTheHeader) {
  std::vector<BundleTensor> t = tensors();
  t[0].shard = 1;
  test::write_bundle(prefix, t, 2);
  fs::remove(prefix + ".index");
  // The same tensors, but a header that says one shard.
  std::map<std::string, std::string> entries;
  test::write_bundle(dir.file("other"), tensors());
  for (const TableEntry& e : read_table(slurp(dir.file("other.index")), "i"))
    entries[e.key] = e.value;
  ::tensorflow::BundleEntryProto entry;
  entry.ParseFromString(entries["dense/kernel"]);
  entry.set_shard_id(1);
  entries["dense/kernel"] = entry.SerializeAsString();
  spit(prefix + ".index", test::make_table(TableEntries(entries.begin(), entries.end())));
  EXPECT_EQ(error_of([&] { TensorBundle::open(prefix, dir.path()).read("dense/kernel"); }),
            where("dense/kernel") + " is in data shard 1, but the checkpoint has shards 0 to 0");
}

TEST_F(TfBundle, RefusesAnIndexWithoutHeader) {
  spit(prefix + ".index", test::make_table({{"dense/bias", "x"}}));
  EXPECT_EQ(error_of([&] { TensorBundle::open(prefix, dir.path()); }),
            "checkpoint index '" + prefix + ".index' has no header entry (key \"\")");
}

TEST_F(TfBundle, NeverReadsOutsideTheDirectory) {
  TempDir outside;
  test::write_bundle(outside.file("variables"), tensors());
  fs::create_symlink(outside.file("variables.index"), prefix + ".index");
  EXPECT_EQ(
      error_of([&] { TensorBundle::open(prefix, dir.path()); }),
      "'" + prefix + ".index' resolves outside the SavedModel directory '" + dir.path() + "'");
  // A shard linked from elsewhere is refused as well.
  fs::remove(prefix + ".index");
  test::write_bundle(prefix, tensors());
  fs::remove(prefix + ".data-00000-of-00001");
  fs::create_symlink(outside.file("variables.data-00000-of-00001"),
                     prefix + ".data-00000-of-00001");
  EXPECT_EQ(error_of([&] { TensorBundle::open(prefix, dir.path()).read("dense/bias"); }),
            "'" + prefix + ".data-00000-of-00001' resolves outside the SavedModel directory '" +
                dir.path() + "'");
}

}  // namespace
}  // namespace layerscope
