// SummaryWriter::add_embedding: the Embedding Projector's files, read back with readers we did not
// write (strtof for the TSV, libpng for the sprite, protobuf's text-format parser for the config).
#include "tensorboard/projector.h"
#include "model_builder.h"
#include "png_decode.h"
#include "tensorboard/proto/projector_config.pb.h"

#include <layerscope/error.h>
#include <layerscope/summary_writer.h>

#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>
#include <png.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

namespace layerscope {
namespace {

using test::decode_png_file;
using test::DecodedPng;
using test::error_of;

using test::TempDir;
namespace tb = tensorboard;
namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

::tensorboard::projector::ProjectorConfig parse_config(const std::string& path) {
  ::tensorboard::projector::ProjectorConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(read_text(path), &config))
      << read_text(path);
  return config;
}

TEST(Projector, WritesTensorsAsExactTsvInPytorchsLayout) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  // Values that need every digit, non-finite values, signed zero and denormals.
  std::vector<float> values = {0.1f,
                               -1.0f / 3.0f,
                               3.4028235e38f,
                               1e-45f,
                               -0.0f,
                               std::numeric_limits<float>::quiet_NaN(),
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               16777217.0f,
                               123456.789f};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (int i = 0; i < 30; ++i) values.push_back(normal(rng));
  const EmbeddingFiles files = writer.add_embedding("features", values.data(), 8, 5, 3);

  EXPECT_EQ(files.tensor_name, "features:00003");
  EXPECT_EQ(files.folder, dir.path() + "/00003/features");
  EXPECT_EQ(files.tensors, files.folder + "/tensors.tsv");
  EXPECT_EQ(files.config, dir.path() + "/projector_config.pbtxt");
  EXPECT_TRUE(files.metadata.empty() && files.sprite.empty());
  EXPECT_FALSE(fs::exists(files.folder + "/metadata.tsv"));
  EXPECT_FALSE(fs::exists(files.folder + "/sprite.png"));

  const std::vector<std::string> lines = split(read_text(files.tensors), '\n');
  ASSERT_EQ(lines.size(), 8u);
  for (std::size_t r = 0; r < lines.size(); ++r) {
    const std::vector<std::string> cells = split(lines[r], '\t');
    ASSERT_EQ(cells.size(), 5u) << lines[r];
    for (std::size_t d = 0; d < cells.size(); ++d) {
      const float expected = values[r * 5 + d];
      char* end = nullptr;
      const float read = std::strtof(cells[d].c_str(), &end);
      EXPECT_EQ(*end, '\0') << cells[d];
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(read)) << cells[d];
      } else {
        uint32_t a, b;
        std::memcpy(&a, &expected, 4);
        std::memcpy(&b, &read, 4);
        EXPECT_EQ(a, b) << cells[d] << " for " << expected;  // bit for bit, -0 included
      }
    }
  }
  EXPECT_EQ(split(lines[1], '\t')[0], "nan");
  EXPECT_EQ(split(lines[1], '\t')[1], "inf");
  EXPECT_EQ(split(lines[1], '\t')[2], "-inf");
}

TEST(Projector, ConfigParsesAsProjectorConfigFieldByField) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const int rows = 5;
  std::vector<float> values(rows * 3, 0.5f);
  std::vector<uint8_t> thumbnails(rows * 4 * 6 * 3, 200);
  EmbeddingOptions options;
  options.metadata = {{"a", "0"}, {"b", "1"}, {"c", "0"}, {"d", "1"}, {"e", "2"}};
  options.metadata_header = {"name", "label"};
  options.images = {thumbnails.data(), 4, 6, 3};
  const EmbeddingFiles files =
      writer.add_embedding("conv/out", values.data(), rows, 3, 12, options);

  const auto config = parse_config(files.config);
  EXPECT_EQ(config.model_checkpoint_path(), "");
  ASSERT_EQ(config.embeddings_size(), 1);
  const auto& e = config.embeddings(0);
  EXPECT_EQ(e.tensor_name(), "conv/out:00012");
  EXPECT_EQ(e.tensor_path(), "00012/conv%2fout/tensors.tsv");
  EXPECT_EQ(e.metadata_path(), "00012/conv%2fout/metadata.tsv");
  EXPECT_EQ(e.bookmarks_path(), "");
  ASSERT_EQ(e.tensor_shape_size(), 2);
  EXPECT_EQ(e.tensor_shape(0), 5u);
  EXPECT_EQ(e.tensor_shape(1), 3u);
  EXPECT_EQ(e.sprite().image_path(), "00012/conv%2fout/sprite.png");
  ASSERT_EQ(e.sprite().single_image_dim_size(), 2);
  EXPECT_EQ(e.sprite().single_image_dim(0), 6u);  // width first
  EXPECT_EQ(e.sprite().single_image_dim(1), 4u);
  // Paths are relative to the config's folder, where TensorBoard resolves them.
  for (const std::string& path : {e.tensor_path(), e.metadata_path(), e.sprite().image_path()})
    EXPECT_TRUE(fs::is_regular_file(dir.path() + "/" + path)) << path;
}

TEST(Projector, SeveralTagsAndStepsAllStayInTheConfig) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  std::vector<float> values(4 * 2, 1.0f);
  writer.add_embedding("a", values.data(), 4, 2, 0);
  writer.add_embedding("b", values.data(), 4, 2, 0);
  writer.add_embedding("a", values.data(), 2, 4, 1);
  // A second writer (another run of the program) adds to what the first wrote.
  SummaryWriter other(dir.path());
  other.add_embedding("c", values.data(), 8, 1, 0);
  auto config = parse_config(dir.file("projector_config.pbtxt"));
  std::vector<std::string> names;
  for (const auto& e : config.embeddings()) names.push_back(e.tensor_name());
  EXPECT_EQ(names, (std::vector<std::string>{"a:00000", "b:00000", "a:00001", "c:00000"}));
  EXPECT_EQ(config.embeddings(2).tensor_path(), "00001/a/tensors.tsv");
  EXPECT_EQ(config.embeddings(2).tensor_shape(0), 2u);

  // The same tag and step again replaces its entry and files.
  std::vector<float> more(6 * 2, 2.0f);
  writer.add_embedding("b", more.data(), 6, 2, 0);
  config = parse_config(dir.file("projector_config.pbtxt"));
  ASSERT_EQ(config.embeddings_size(), 4);
  EXPECT_EQ(config.embeddings(1).tensor_name(), "b:00000");
  EXPECT_EQ(config.embeddings(1).tensor_shape(0), 6u);
  EXPECT_EQ(split(read_text(dir.path() + "/00000/b/tensors.tsv"), '\n').size(), 6u);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
}

TEST(Projector, MetadataHeaderOnlyWithSeveralColumnsAndEscapes) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  std::vector<float> values(3 * 2, 0.0f);
  EmbeddingOptions one;
  one.metadata = {{"cat"}, {"dog\tbig"}, {"two\nlines\r"}};
  one.metadata_header = {"ignored"};  // a single column never has a header row
  auto files = writer.add_embedding("one", values.data(), 3, 2, 0, one);
  EXPECT_EQ(read_text(files.metadata), "cat\ndog big\ntwo lines \n");

  EmbeddingOptions two;
  two.metadata = {{"x.png", "7"}, {"y.png", ""}, {"z\tz.png", "1"}};
  two.metadata_header = {"file", "label"};
  files = writer.add_embedding("two", values.data(), 3, 2, 0, two);
  EXPECT_EQ(read_text(files.metadata), "file\tlabel\nx.png\t7\ny.png\t\nz z.png\t1\n");
  EXPECT_EQ(parse_config(files.config).embeddings(1).metadata_path(), "00000/two/metadata.tsv");
}

TEST(Projector, BadMetadataIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  std::vector<float> values(3 * 2, 0.0f);
  auto add = [&](EmbeddingOptions options) {
    return error_of([&] { writer.add_embedding("m", values.data(), 3, 2, 0, options); });
  };
  EmbeddingOptions o;
  o.metadata = {{"a"}, {"b"}};
  EXPECT_NE(add(o).find("2 metadata rows for 3 embedding rows"), std::string::npos) << add(o);
  o.metadata = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_NE(add(o).find("2 columns and 0 header names"), std::string::npos) << add(o);
  o.metadata_header = {"name", "label"};
  o.metadata[2] = {"c"};
  EXPECT_NE(add(o).find("metadata row 2 has 1 values; expected 2"), std::string::npos) << add(o);
  o.metadata = {{"a"}, {" \t"}, {"c"}};
  EXPECT_NE(add(o).find("metadata row 1 is blank"), std::string::npos) << add(o);
  o.metadata = {{"a", ""}, {"", ""}, {"c", "d"}};
  EXPECT_NE(add(o).find("metadata row 1 is blank"), std::string::npos) << add(o);
  EXPECT_FALSE(fs::exists(dir.file("projector_config.pbtxt")));
  EXPECT_FALSE(fs::exists(dir.file("00000")));
}

TEST(Projector, BadArgumentsAndConfigGiveClearErrors) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  std::vector<float> values(4, 1.0f);
  EXPECT_NE(error_of([&] { writer.add_embedding("", values.data(), 2, 2); }).find("tag is empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              writer.add_embedding("t", values.data(), 0, 2);
            }).find("embedding 't': 0 rows x 2 dims"),
            std::string::npos);
  EXPECT_NE(error_of([&] { writer.add_embedding("t", nullptr, 2, 2); }).find("null"),
            std::string::npos);
  EmbeddingOptions bad_images;
  std::vector<uint8_t> pixels(2 * 3 * 3 * 5);
  bad_images.images = {pixels.data(), 3, 3, 5};
  EXPECT_NE(error_of([&] {
              writer.add_embedding("t", values.data(), 2, 2, 0, bad_images);
            }).find("5 channels"),
            std::string::npos);

  // A config we cannot read is left alone, and nothing is written.
  std::ofstream(dir.file("projector_config.pbtxt")) << "embeddings { tensor_nam: \"x\" }\n";
  const std::string message = error_of([&] { writer.add_embedding("t", values.data(), 2, 2); });
  EXPECT_NE(message.find("projector_config.pbtxt': it is not a projector config (line 1"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(dir.file("00000")));
  EXPECT_EQ(read_text(dir.file("projector_config.pbtxt")), "embeddings { tensor_nam: \"x\" }\n");

  // A file where the step folder should be.
  fs::remove(dir.file("projector_config.pbtxt"));
  std::ofstream(dir.file("00004")) << "x";
  EXPECT_NE(error_of([&] {
              writer.add_embedding("t", values.data(), 2, 2, 4);
            }).find("cannot create embedding folder"),
            std::string::npos);

  writer.close();
  EXPECT_NE(error_of([&] { writer.add_embedding("t", values.data(), 2, 2); }).find("closed"),
            std::string::npos);
}

TEST(Projector, BinaryTensorIsRawFloat32WithItsShape) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.1f, 5.0f, 6.0f};
  writer.add_embedding("t", values.data(), 3, 2, 0);  // TSV first, then replaced by binary
  EmbeddingOptions options;
  options.format = EmbeddingFormat::Binary;
  const EmbeddingFiles files = writer.add_embedding("t", values.data(), 3, 2, 0, options);
  EXPECT_EQ(files.tensors, dir.path() + "/00000/t/tensors.bytes");
  const std::string bytes = read_text(files.tensors);
  ASSERT_EQ(bytes.size(), values.size() * 4);
  EXPECT_EQ(std::memcmp(bytes.data(), values.data(), bytes.size()), 0);
  EXPECT_FALSE(fs::exists(dir.path() + "/00000/t/tensors.tsv"));
  const auto config = parse_config(files.config);
  ASSERT_EQ(config.embeddings_size(), 1);
  EXPECT_EQ(config.embeddings(0).tensor_path(), "00000/t/tensors.bytes");
  EXPECT_EQ(config.embeddings(0).tensor_shape(0), 3u);
  EXPECT_EQ(config.embeddings(0).tensor_shape(1), 2u);
}

TEST(Projector, FolderNamesAreOneSafeSegmentPerTag) {
  EXPECT_EQ(tb::embedding_folder_name("default"), "default");
  EXPECT_EQ(tb::embedding_folder_name("/fc/Gemm_output_0"), "%2ffc%2fGemm_output_0");
  EXPECT_EQ(tb::embedding_folder_name("a b%c\\d"), "a%20b%25c%5cd");
  EXPECT_EQ(tb::embedding_folder_name(".."), "%2e.");
  EXPECT_EQ(tb::embedding_folder_name("v1.2"), "v1.2");
  EXPECT_NE(tb::embedding_folder_name("a/b"), tb::embedding_folder_name("a_b"));
}

TEST(Projector, SpriteIsASquareGridOfThumbnailsDecodedByLibpng) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const int rows = 10, height = 4, width = 6;
  std::vector<float> values(rows * 2, 0.0f);
  // Image n is filled with the color (n, 10 n, 255 - n).
  std::vector<uint8_t> pixels(rows * height * width * 3);
  for (int n = 0; n < rows; ++n)
    for (int i = 0; i < height * width; ++i) {
      uint8_t* p = &pixels[(n * height * width + i) * 3];
      p[0] = n;
      p[1] = 10 * n;
      p[2] = 255 - n;
    }
  EmbeddingOptions options;
  options.images = {pixels.data(), height, width, 3};
  const EmbeddingFiles files = writer.add_embedding("s", values.data(), rows, 2, 0, options);
  EXPECT_EQ(files.sprite, files.folder + "/sprite.png");
  EXPECT_EQ(files.thumbnail_width, width);
  EXPECT_EQ(files.thumbnail_height, height);

  const DecodedPng png = decode_png_file(files.sprite);
  const int columns = 4;  // ceil(sqrt(10))
  ASSERT_EQ(png.width, columns * width);
  ASSERT_EQ(png.height, columns * height);
  ASSERT_EQ(png.channels, 3);
  for (int cell = 0; cell < columns * columns; ++cell)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const int py = (cell / columns) * height + y, px = (cell % columns) * width + x;
        const uint8_t* p = &png.pixels[(py * png.width + px) * 3];
        if (cell < rows) {
          ASSERT_EQ((std::vector<int>{p[0], p[1], p[2]}),
                    (std::vector<int>{cell, 10 * cell, 255 - cell}))
              << "cell " << cell;
        } else {
          ASSERT_EQ((std::vector<int>{p[0], p[1], p[2]}), (std::vector<int>{0, 0, 0}));
        }
      }
}

TEST(Projector, SpriteThumbnailsShrinkToFit8192Pixels) {
  // Grid and thumbnail sizes: ceil(sqrt(n)) cells a side, shrunk keeping the aspect ratio.
  auto layout = tb::sprite_layout(20, 28, 28);
  EXPECT_EQ((std::vector<int>{layout.columns, layout.thumbnail_height, layout.thumbnail_width}),
            (std::vector<int>{5, 28, 28}));
  layout = tb::sprite_layout(10000, 224, 224);  // 100 a side: 81 px
  EXPECT_EQ((std::vector<int>{layout.columns, layout.thumbnail_height, layout.thumbnail_width}),
            (std::vector<int>{100, 81, 81}));
  layout = tb::sprite_layout(26, 2000, 1000);  // 6 a side: 1365 px high, aspect kept
  EXPECT_EQ((std::vector<int>{layout.columns, layout.thumbnail_height, layout.thumbnail_width}),
            (std::vector<int>{6, 1365, 682}));
  layout = tb::sprite_layout(8192LL * 8192, 3, 3);  // every cell 1 px
  EXPECT_EQ((std::vector<int>{layout.columns, layout.thumbnail_height, layout.thumbnail_width}),
            (std::vector<int>{8192, 1, 1}));
  layout = tb::sprite_layout(4, 1, 9000);
  EXPECT_EQ((std::vector<int>{layout.columns, layout.thumbnail_height, layout.thumbnail_width}),
            (std::vector<int>{2, 1, 4096}));
  EXPECT_NE(error_of([] {
              tb::sprite_layout(8192LL * 8192 + 1, 1, 1);
            }).find("needs 8193 cells a side, more than its 8192 px limit"),
            std::string::npos);

  // End to end: two 100 x 9000 gray images, a horizontal ramp, make a sheet 8192 px wide.
  TempDir dir;
  SummaryWriter writer(dir.path());
  const int height = 100, width = 9000;
  std::vector<uint8_t> pixels(2 * height * width);
  for (int n = 0; n < 2; ++n)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) pixels[(n * height + y) * width + x] = x * 255 / (width - 1);
  std::vector<float> values(2 * 3, 0.0f);
  EmbeddingOptions options;
  options.images = {pixels.data(), height, width, 1};
  const EmbeddingFiles files = writer.add_embedding("wide", values.data(), 2, 3, 0, options);
  EXPECT_EQ(files.thumbnail_width, 4096);
  EXPECT_EQ(files.thumbnail_height, 45);  // 100 * 4096 / 9000
  const DecodedPng png = decode_png_file(files.sprite);
  EXPECT_EQ(png.width, 8192);
  EXPECT_EQ(png.height, 90);
  EXPECT_EQ(png.channels, 1);
  const auto config = parse_config(files.config);
  EXPECT_EQ(config.embeddings(0).sprite().single_image_dim(0), 4096u);
  EXPECT_EQ(config.embeddings(0).sprite().single_image_dim(1), 45u);
  // Area averaging keeps the ramp: ends dark and bright, the middle mid-gray, never decreasing.
  const uint8_t* row = png.pixels.data();
  EXPECT_LE(row[0], 1);
  EXPECT_GE(row[4095], 254);
  EXPECT_NEAR(row[2048], 128, 2);
  for (int x = 1; x < 4096; ++x) ASSERT_LE(row[x - 1], row[x]) << x;
  // The second thumbnail sits in the second cell of the first row, the other row is empty.
  EXPECT_EQ(std::memcmp(row, row + 4096, 4096), 0);
  EXPECT_EQ(png.pixels[static_cast<std::size_t>(45) * 8192 + 100], 0);
}

}  // namespace
}  // namespace layerscope
