#pragma once
// The `.keras` zip archive of Keras 3: config.json, metadata.json and model.weights.h5, read into
// memory (nothing is extracted to disk). Entries whose names would escape a folder (absolute,
// "..") and entries whose declared size is out of proportion to the archive (a zip bomb) make the
// whole archive refused.
#include <map>
#include <memory>
#include <string>

namespace layerscope::keras {

struct KerasArchive {
  std::string path;
  std::string config_json;
  std::string metadata_json;                      // empty when absent
  std::shared_ptr<const std::string> weights_h5;  // null when absent
};

bool is_zip_signature(const std::string& first_bytes);  // "PK\x03\x04"
KerasArchive read_keras_archive(const std::string& path);

}  // namespace layerscope::keras
