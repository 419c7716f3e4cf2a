#pragma once
// A read-only view of an HDF5 file through HDF5's C library, as much as the Keras frontend needs:
// groups, their children, string attributes and numeric datasets. Every failure is an Error naming
// the file and the object path; HDF5's own error printing is switched off.
//
//   Hdf5File file = Hdf5File::open("model.h5");
//   Hdf5Group weights = file.root().group("model_weights");
//   std::vector<std::string> names = weights.group("dense").string_list_attribute("weight_names");
//   Tensor kernel = weights.dataset("dense/dense/kernel:0");
#include <layerscope/tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::keras {

// An HDF5 identifier closed with the right H5?close when the last copy goes.
class Hdf5Handle {
 public:
  Hdf5Handle() = default;
  explicit Hdf5Handle(int64_t id);
  int64_t id() const { return id_ ? *id_ : -1; }

 private:
  std::shared_ptr<int64_t> id_;
};

// What every object of one open file shares: its name for messages, its size for the checks on
// declared dataset sizes, and the memory image it was opened from (kept alive with it).
struct Hdf5FileInfo {
  std::string name;
  uint64_t size = 0;
  std::shared_ptr<const std::string> image;
};

class Hdf5Group {
 public:
  Hdf5Group(Hdf5Handle handle, std::string path, std::shared_ptr<const Hdf5FileInfo> file)
      : handle_(std::move(handle)), path_(std::move(path)), file_(std::move(file)) {}

  const std::string& path() const { return path_; }
  // "model.h5:/model_weights/dense": for error messages.
  std::string where(const std::string& child = "") const;

  bool has_group(const std::string& name) const;
  bool has_dataset(const std::string& name) const;
  bool has_attribute(const std::string& name) const;
  Hdf5Group group(const std::string& name) const;  // a '/'-separated relative path
  // Names of the direct children, in HDF5's name order.
  std::vector<std::string> children() const;
  // A string attribute (fixed-length or variable-length, scalar or a one-element array).
  std::string string_attribute(const std::string& name) const;
  // A string-array attribute; an empty numeric array (as Keras 3 writes an empty list) is empty.
  // Keras splits arrays over 64 KB into name0, name1, ...: those are joined.
  std::vector<std::string> string_list_attribute(const std::string& name) const;
  // A numeric dataset (float16/32/64, signed or unsigned integers of 8-64 bits, bool-like) as a
  // tensor of the matching dtype. Refused when its declared size could not fit in the file.
  Tensor dataset(const std::string& name) const;

 private:
  Hdf5Handle handle_;
  std::string path_;
  std::shared_ptr<const Hdf5FileInfo> file_;
};

class Hdf5File {
 public:
  static bool has_signature(const std::string& first_bytes);  // "\x89HDF\r\n\x1a\n"
  static Hdf5File open(const std::string& path);
  // Opens an HDF5 file held in memory (the weights inside a .keras zip); `display_name` names it
  // in errors.
  static Hdf5File open_image(std::shared_ptr<const std::string> bytes,
                             const std::string& display_name);

  Hdf5Group root() const;
  const std::string& name() const { return info_->name; }

 private:
  Hdf5Handle handle_;
  std::shared_ptr<const Hdf5FileInfo> info_;
};

}  // namespace layerscope::keras
