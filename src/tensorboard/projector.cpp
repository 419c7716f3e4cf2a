#include "tensorboard/projector.h"

#include <layerscope/error.h>

#include "tensorboard/png_encoder.h"
#include "tensorboard/proto/projector_config.pb.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <system_error>

namespace layerscope::tensorboard {
namespace {

namespace pb = ::tensorboard::projector;
namespace fs = std::filesystem;

constexpr const char* kConfigName = "projector_config.pbtxt";

std::string os_error(int error) { return std::strerror(error); }

// Writes `size` bytes to `path`, replacing it; throws Error naming the file and the OS's reason.
void write_file(const std::string& path, const char* data, std::size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw Error("cannot create '" + path + "': " + os_error(errno));
  const bool written = std::fwrite(data, 1, size, file) == size;
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written)
    throw Error("cannot write '" + path + "': " + os_error(written ? errno : write_error));
}

void write_file(const std::string& path, const std::string& data) {
  write_file(path, data.data(), data.size());
}

// Rows [begin, end) as TSV lines appended to `out`.
void append_tsv_rows(std::string& out, const float* values, int64_t begin, int64_t end,
                     int64_t dims) {
  char buffer[64];
  for (int64_t r = begin; r < end; ++r) {
    const float* row = values + r * dims;
    for (int64_t d = 0; d < dims; ++d) {
      if (d > 0) out += '\t';
      // Shortest round-trip form; to_chars spells non-finite values "nan", "-nan", "inf", "-inf",
      // which Python's float() reads.
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, row[d]);
      out.append(buffer, result.ptr);
    }
    out += '\n';
  }
}

// The TSV file written in slices of rows, so a large embedding never sits twice in memory.
void write_tsv(const std::string& path, const float* values, int64_t rows, int64_t dims) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw Error("cannot create '" + path + "': " + os_error(errno));
  const int64_t rows_per_slice = std::max<int64_t>(1, (int64_t(1) << 20) / (dims * 12));
  std::string slice;
  bool written = true;
  int write_error = 0;
  for (int64_t begin = 0; begin < rows && written; begin += rows_per_slice) {
    slice.clear();
    append_tsv_rows(slice, values, begin, std::min(rows, begin + rows_per_slice), dims);
    written = std::fwrite(slice.data(), 1, slice.size(), file) == slice.size();
    write_error = errno;
  }
  if (std::fclose(file) != 0 || !written)
    throw Error("cannot write '" + path + "': " + os_error(written ? errno : write_error));
}

std::string metadata_value(const std::string& value) {
  std::string out = value;
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

bool is_blank(const std::string& line) {
  // JavaScript's trim(), which the viewer applies before skipping a line, removes these (and
  // Unicode spaces, which a label made only of them would be rare enough to leave alone).
  return line.find_first_not_of(" \t\n\r\f\v") == std::string::npos;
}

std::string step_folder(int64_t step) {
  char text[32];
  std::snprintf(text, sizeof text, "%05lld", static_cast<long long>(step));  // Python's zfill(5)
  return text;
}

// Collects the first error of a text-format parse, with its 1-based line and column.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (text.empty())
      text = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " +
             message;
  }
  std::string text;
};

pb::ProjectorConfig read_config(const std::string& path) {
  pb::ProjectorConfig config;
  std::error_code ec;
  if (!fs::exists(path, ec)) return config;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "': " + os_error(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  google::protobuf::TextFormat::Parser parser;
  FirstError error;
  parser.RecordErrorsTo(&error);
  if (!parser.ParseFromString(text, &config))
    throw Error("cannot add an embedding to '" + path + "': it is not a projector config (" +
                error.text + "); move it away or fix it");
  return config;
}

// Replaces the entry with the same tensor name, or appends one, and writes the config to a
// temporary file renamed into place, so a reader never sees half a config.
void register_embedding(const std::string& path, pb::ProjectorConfig& config,
                        const pb::EmbeddingInfo& info) {
  pb::EmbeddingInfo* slot = nullptr;
  for (pb::EmbeddingInfo& existing : *config.mutable_embeddings())
    if (existing.tensor_name() == info.tensor_name()) slot = &existing;
  if (!slot) slot = config.add_embeddings();
  *slot = info;
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(config, &text))
    throw Error("cannot print the projector config for '" + path + "'");
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  write_file(temporary, text);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw Error("cannot replace '" + path + "': " + os_error(error));
  }
}

void check_embedding_arguments(const std::string& tag, const float* values, int64_t rows,
                               int64_t dims, const EmbeddingOptions& options) {
  const std::string what = "embedding '" + tag + "': ";
  if (tag.empty()) throw Error("embedding: the tag is empty; expected a name such as \"features\"");
  constexpr int64_t max_u32 = std::numeric_limits<uint32_t>::max();
  if (rows < 1 || dims < 1 || rows > max_u32 || dims > max_u32)
    throw Error(what + std::to_string(rows) + " rows x " + std::to_string(dims) +
                " dims; expected at least 1 x 1 (and at most 2^32 - 1 each)");
  if (rows > std::numeric_limits<int64_t>::max() / dims / 4)
    throw Error(what + "rows x dims overflows");
  if (!values) throw Error(what + "no values (null pointer)");
  if (!options.metadata.empty() && static_cast<int64_t>(options.metadata.size()) != rows)
    throw Error(what + std::to_string(options.metadata.size()) + " metadata rows for " +
                std::to_string(rows) + " embedding rows; expected one per row");
  const EmbeddingImages& images = options.images;
  if (images.pixels) {
    if (images.channels < 1 || images.channels > 4)
      throw Error(what + "thumbnails have " + std::to_string(images.channels) +
                  " channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
    if (images.height < 1 || images.width < 1)
      throw Error(what + "thumbnails are " + std::to_string(images.height) + "x" +
                  std::to_string(images.width) + "; expected at least 1x1");
  }
}

}  // namespace

std::string embedding_folder_name(const std::string& tag) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < tag.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(tag[i]);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || (c == '.' && i > 0);
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string embedding_tsv(const float* values, int64_t rows, int64_t dims) {
  std::string out;
  append_tsv_rows(out, values, 0, rows, dims);
  return out;
}

std::string embedding_metadata_tsv(const std::string& tag,
                                   const std::vector<std::vector<std::string>>& metadata,
                                   const std::vector<std::string>& header) {
  const std::string what = "embedding '" + tag + "': ";
  if (metadata.empty()) return "";
  const std::size_t columns = metadata[0].size();
  if (columns == 0) throw Error(what + "metadata row 0 has no values; expected at least one");
  if (columns > 1 && header.size() != columns)
    throw Error(what + "metadata has " + std::to_string(columns) + " columns and " +
                std::to_string(header.size()) +
                " header names; several columns need one name each (metadata_header)");
  std::string out;
  auto append_line = [&](const std::vector<std::string>& values) {
    for (std::size_t c = 0; c < values.size(); ++c) {
      if (c > 0) out += '\t';
      out += metadata_value(values[c]);
    }
    out += '\n';
  };
  if (columns > 1) append_line(header);
  for (std::size_t r = 0; r < metadata.size(); ++r) {
    const std::vector<std::string>& row = metadata[r];
    if (row.size() != columns)
      throw Error(what + "metadata row " + std::to_string(r) + " has " +
                  std::to_string(row.size()) + " values; expected " + std::to_string(columns) +
                  " as row 0");
    const std::size_t start = out.size();
    append_line(row);
    if (is_blank(out.substr(start)))
      throw Error(what + "metadata row " + std::to_string(r) +
                  " is blank; TensorBoard skips blank lines, which would shift every later "
                  "label: give it a non-empty value");
  }
  return out;
}

SpriteLayout sprite_layout(int64_t count, int height, int width, int max_side) {
  SpriteLayout layout;
  int64_t columns = 1;
  while (columns * columns < count) ++columns;
  if (columns > max_side)
    throw Error("a sprite of " + std::to_string(count) + " thumbnails needs " +
                std::to_string(columns) + " cells a side, more than its " +
                std::to_string(max_side) + " px limit holds even at 1 px each");
  layout.columns = static_cast<int>(columns);
  const int cell = max_side / layout.columns;  // largest thumbnail side that fits
  int64_t h = height, w = width;
  if (w > cell || h > cell) {
    if (w >= h) {
      h = std::max<int64_t>(1, h * cell / w);
      w = cell;
    } else {
      w = std::max<int64_t>(1, w * cell / h);
      h = cell;
    }
  }
  layout.thumbnail_height = static_cast<int>(h);
  layout.thumbnail_width = static_cast<int>(w);
  return layout;
}

std::vector<uint8_t> make_sprite(const EmbeddingImages& images, int64_t count,
                                 const SpriteLayout& layout) {
  const int channels = images.channels;
  const int64_t th = layout.thumbnail_height, tw = layout.thumbnail_width;
  const int64_t h = images.height, w = images.width;
  const int64_t sheet_width = layout.columns * tw;
  std::vector<uint8_t> sheet(static_cast<std::size_t>(layout.columns * th * sheet_width * channels),
                             0);
  const std::size_t image_size = static_cast<std::size_t>(h * w * channels);
  std::vector<uint32_t> sums(channels);
  for (int64_t n = 0; n < count; ++n) {
    const uint8_t* image = images.pixels + n * image_size;
    const int64_t top = (n / layout.columns) * th, left = (n % layout.columns) * tw;
    for (int64_t y = 0; y < th; ++y) {
      // Each thumbnail pixel averages the source block it covers; the blocks tile the image
      // (shrinking only, so every block holds at least one pixel).
      const int64_t y0 = y * h / th, y1 = (y + 1) * h / th;
      uint8_t* out = sheet.data() + ((top + y) * sheet_width + left) * channels;
      for (int64_t x = 0; x < tw; ++x) {
        const int64_t x0 = x * w / tw, x1 = (x + 1) * w / tw;
        std::fill(sums.begin(), sums.end(), 0);
        for (int64_t sy = y0; sy < y1; ++sy) {
          const uint8_t* p = image + (sy * w + x0) * channels;
          for (int64_t sx = x0; sx < x1; ++sx)
            for (int c = 0; c < channels; ++c) sums[c] += *p++;
        }
        const uint32_t area = static_cast<uint32_t>((y1 - y0) * (x1 - x0));
        for (int c = 0; c < channels; ++c)
          *out++ = static_cast<uint8_t>((sums[c] + area / 2) / area);
      }
    }
  }
  return sheet;
}

EmbeddingFiles write_embedding(const std::string& logdir, const std::string& tag,
                               const float* values, int64_t rows, int64_t dims, int64_t step,
                               const EmbeddingOptions& options) {
  check_embedding_arguments(tag, values, rows, dims, options);
  // Everything that can fail on the arguments is done before the first file is touched.
  const std::string metadata_text =
      embedding_metadata_tsv(tag, options.metadata, options.metadata_header);
  const bool with_sprite = options.images.pixels != nullptr;
  SpriteLayout layout;
  std::string sprite_png;
  if (with_sprite) {
    try {
      layout = sprite_layout(rows, options.images.height, options.images.width);
    } catch (const Error& e) {
      throw Error("embedding '" + tag + "': " + e.what());
    }
    const std::vector<uint8_t> sheet = make_sprite(options.images, rows, layout);
    sprite_png = encode_png(sheet.data(), layout.columns * layout.thumbnail_height,
                            layout.columns * layout.thumbnail_width, options.images.channels,
                            "the sprite of embedding '" + tag + "'");
  }

  static std::mutex mutex;  // one writer of the folders and the config at a time
  std::lock_guard<std::mutex> lock(mutex);
  const std::string relative = step_folder(step) + "/" + embedding_folder_name(tag);
  EmbeddingFiles files;
  files.tensor_name = tag + ":" + step_folder(step);
  files.folder = logdir + "/" + relative;
  files.config = logdir + "/" + kConfigName;
  pb::ProjectorConfig config = read_config(files.config);  // a bad config stops us before writing
  std::error_code ec;
  fs::create_directories(files.folder, ec);
  if (ec || !fs::is_directory(files.folder, ec))
    throw Error("cannot create embedding folder '" + files.folder +
                "': " + (ec ? ec.message() : std::string("a file is in the way")));

  pb::EmbeddingInfo info;
  info.set_tensor_name(files.tensor_name);
  info.add_tensor_shape(static_cast<uint32_t>(rows));
  info.add_tensor_shape(static_cast<uint32_t>(dims));
  // Files an earlier call for the same tag and step wrote and this one does not are removed, so
  // the folder holds exactly what the config names.
  const bool binary = options.format == EmbeddingFormat::Binary;
  const std::string tensor_file = binary ? "tensors.bytes" : "tensors.tsv";
  fs::remove(files.folder + "/" + (binary ? "tensors.tsv" : "tensors.bytes"), ec);
  files.tensors = files.folder + "/" + tensor_file;
  info.set_tensor_path(relative + "/" + tensor_file);
  if (binary)
    write_file(files.tensors, reinterpret_cast<const char*>(values),
               static_cast<std::size_t>(rows * dims) * sizeof(float));
  else
    write_tsv(files.tensors, values, rows, dims);

  if (!metadata_text.empty()) {
    files.metadata = files.folder + "/metadata.tsv";
    write_file(files.metadata, metadata_text);
    info.set_metadata_path(relative + "/metadata.tsv");
  } else {
    fs::remove(files.folder + "/metadata.tsv", ec);
  }
  if (with_sprite) {
    files.sprite = files.folder + "/sprite.png";
    write_file(files.sprite, sprite_png);
    files.thumbnail_width = layout.thumbnail_width;
    files.thumbnail_height = layout.thumbnail_height;
    info.mutable_sprite()->set_image_path(relative + "/sprite.png");
    info.mutable_sprite()->add_single_image_dim(static_cast<uint32_t>(layout.thumbnail_width));
    info.mutable_sprite()->add_single_image_dim(static_cast<uint32_t>(layout.thumbnail_height));
  } else {
    fs::remove(files.folder + "/sprite.png", ec);
  }
  register_embedding(files.config, config, info);
  return files;
}

}  // namespace layerscope::tensorboard
