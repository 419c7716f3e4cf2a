#include "frontends/keras/keras_archive.h"

#include <layerscope/error.h>

#include <zip.h>

#include <cstdint>
#include <filesystem>

namespace layerscope::keras {
namespace {

// Keras stores entries uncompressed; a deflated one may expand, but not past this factor of the
// archive's size (zip bombs reach thousands).
constexpr uint64_t kMaxExpansion = 64;

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

bool escapes_folder(const std::string& name) {
  if (name.empty() || name[0] == '/' || name[0] == '\\') return true;
  if (name.size() > 1 && name[1] == ':') return true;  // "C:..."
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return true;
    start = end + 1;
  }
  return false;
}

std::string read_entry(zip_t* archive, zip_uint64_t index, const std::string& where,
                       uint64_t archive_size) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    throw Error(where + ": unreadable zip entry");
  if (st.size > kMaxExpansion * archive_size + (1u << 20))
    throw Error(where + ": declares " + std::to_string(st.size) + " bytes, more than " +
                std::to_string(kMaxExpansion) + "x the " + std::to_string(archive_size) +
                "-byte archive (a zip bomb?)");
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen_index(archive, index, 0),
                                                         zip_fclose);
  if (!file) throw Error(where + ": unreadable zip entry (" + zip_strerror(archive) + ")");
  std::string bytes(st.size, '\0');
  uint64_t done = 0;
  while (done < st.size) {
    const zip_int64_t n = zip_fread(file.get(), bytes.data() + done, st.size - done);
    if (n <= 0) throw Error(where + ": truncated or corrupt zip entry");
    done += static_cast<uint64_t>(n);
  }
  char extra;
  if (zip_fread(file.get(), &extra, 1) != 0)
    throw Error(where + ": zip entry longer than its declared size");
  return bytes;
}

}  // namespace

bool is_zip_signature(const std::string& first_bytes) {
  return first_bytes.compare(0, 4, std::string("PK\x03\x04", 4)) == 0;
}

KerasArchive read_keras_archive(const std::string& path) {
  std::error_code ec;
  const uint64_t archive_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read " + path + ": " + ec.message());
  int code = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(
      zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    const std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error(path + ": not a readable zip archive (" +
                (code == ZIP_ER_EXISTS ? "two entries share a name" : text) + ")");
  }
  KerasArchive out;
  out.path = path;
  bool has_config = false;
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* raw = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    if (!raw) throw Error(path + ": unreadable zip entry " + std::to_string(i));
    const std::string name = raw;
    const std::string where = path + ":" + name;
    if (escapes_folder(name))
      throw Error(where + ": zip entry name escapes the archive's folder (refused)");
    if (name == "config.json") {
      out.config_json = read_entry(archive.get(), i, where, archive_size);
      has_config = true;
    } else if (name == "metadata.json") {
      out.metadata_json = read_entry(archive.get(), i, where, archive_size);
    } else if (name == "model.weights.h5") {
      out.weights_h5 =
          std::make_shared<const std::string>(read_entry(archive.get(), i, where, archive_size));
    }
  }
  if (!has_config)
    throw Error(path + ": a zip archive without config.json, so not a Keras 3 .keras file");
  return out;
}

}  // namespace layerscope::keras
