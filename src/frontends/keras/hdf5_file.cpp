#include "frontends/keras/hdf5_file.h"

#include <layerscope/error.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <sys/wait.h>
#include <unistd.h>

namespace layerscope::keras {
namespace {

// HDF5 prints its error stack to stderr by default; our errors say what failed instead.
void quiet_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

void close_id(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      H5Fclose(id);
      break;
    case H5I_GROUP:
      H5Gclose(id);
      break;
    case H5I_DATASET:
      H5Dclose(id);
      break;
    case H5I_ATTR:
      H5Aclose(id);
      break;
    case H5I_DATATYPE:
      H5Tclose(id);
      break;
    case H5I_DATASPACE:
      H5Sclose(id);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id);
      break;
    default:
      break;
  }
}

// An id valid for this scope only.
struct Scoped {
  hid_t id;
  explicit Scoped(hid_t i) : id(i) {}
  ~Scoped() {
    if (id >= 0) close_id(id);
  }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
};

// The type of the object at `path` below `loc`, or H5I_BADID if there is none. Each component is
// checked in turn, as H5Lexists requires.
H5I_type_t object_type(hid_t loc, const std::string& path) {
  std::size_t end = 0;
  while (end != std::string::npos) {
    end = path.find('/', end + 1);
    const std::string prefix = path.substr(0, end);
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return H5I_BADID;
  }
  const hid_t object = H5Oopen(loc, path.c_str(), H5P_DEFAULT);
  if (object < 0) return H5I_BADID;
  const H5I_type_t type = H5Iget_type(object);
  H5Oclose(object);
  return type;
}

// Writes all of `data` to `fd`; false if the pipe broke.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Variable-length strings live in the file's global heap, and libhdf5 1.10 follows their
// references into it without bounds checks: a corrupt heap crashes the reading process (seen on
// fuzzed Keras files; h5py crashes the same way). So the read runs in a forked child that sends
// the strings back through a pipe (length, bytes, ...); a child that dies means a corrupt file.
std::vector<std::string> read_variable_strings(hid_t attr, hid_t file_type, hid_t space,
                                               const std::string& where) {
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  int fds[2];
  if (pipe(fds) != 0) throw Error(where + ": cannot create a pipe to read the attribute");
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Error(where + ": cannot fork to read the attribute");
  }
  if (child == 0) {
    close(fds[0]);
    Scoped mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.id, H5T_VARIABLE);
    H5Tset_cset(mem.id, H5Tget_cset(file_type));
    std::vector<char*> buffer(static_cast<std::size_t>(count), nullptr);
    if (H5Aread(attr, mem.id, buffer.data()) < 0) _exit(2);
    for (char* s : buffer) {
      const uint64_t length = s ? strlen(s) : 0;
      if (!write_all(fds[1], reinterpret_cast<const char*>(&length), sizeof length) ||
          !write_all(fds[1], s ? s : "", length))
        _exit(3);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string bytes;
  char chunk[65536];
  while (true) {
    const ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(where + ": unreadable attribute (" +
                (WIFSIGNALED(status) ? "its string data is corrupt" : "a read error") + ")");
  std::vector<std::string> out;
  std::size_t at = 0;
  for (hssize_t i = 0; i < count; ++i) {
    uint64_t length = 0;
    if (bytes.size() - at < sizeof length) throw Error(where + ": unreadable attribute");
    memcpy(&length, bytes.data() + at, sizeof length);
    at += sizeof length;
    if (bytes.size() - at < length) throw Error(where + ": unreadable attribute");
    out.emplace_back(bytes.data() + at, length);
    at += length;
  }
  return out;
}

std::vector<std::string> read_strings(hid_t attr, const std::string& where) {
  Scoped type(H5Aget_type(attr));
  Scoped space(H5Aget_space(attr));
  if (type.id < 0 || space.id < 0) throw Error(where + ": unreadable attribute");
  const hssize_t count = H5Sget_simple_extent_npoints(space.id);
  if (count < 0) throw Error(where + ": unreadable attribute");
  if (H5Tget_class(type.id) != H5T_STRING) {
    if (count == 0) return {};  // Keras 3 writes an empty list as an empty float64 array
    throw Error(where + ": expected a string attribute");
  }
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.id) > 0) return read_variable_strings(attr, type.id, space.id, where);
  const std::size_t size = H5Tget_size(type.id);
  if (size == 0) throw Error(where + ": unreadable attribute");
  std::string buffer(size * static_cast<std::size_t>(count), '\0');
  if (H5Aread(attr, type.id, buffer.data()) < 0) throw Error(where + ": unreadable attribute");
  for (hssize_t i = 0; i < count; ++i) {
    const char* s = buffer.data() + static_cast<std::size_t>(i) * size;
    out.emplace_back(s, strnlen(s, size));
  }
  return out;
}

// The dtype a dataset of HDF5 type `type` is read as, and the memory type to read it with.
DType dataset_dtype(hid_t type, hid_t* memtype) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    if (size == 4) return *memtype = H5T_NATIVE_FLOAT, DType::Float32;
    if (size == 8) return *memtype = H5T_NATIVE_DOUBLE, DType::Float64;
    // No native half type: the file's IEEE half is read as it is, little-endian like the host.
    if (size == 2 && H5Tget_order(type) == H5T_ORDER_LE) return *memtype = type, DType::Float16;
  }
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    switch (size) {
      case 1:
        return *memtype = is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8,
               is_signed ? DType::Int8 : DType::UInt8;
      case 2:
        return *memtype = H5T_NATIVE_INT16, is_signed ? DType::Int16 : DType::UInt16;
      case 4:
        return *memtype = H5T_NATIVE_INT32, is_signed ? DType::Int32 : DType::UInt32;
      case 8:
        return *memtype = H5T_NATIVE_INT64, is_signed ? DType::Int64 : DType::UInt64;
      default:
        break;
    }
  }
  return DType::Undefined;
}

}  // namespace

Hdf5Handle::Hdf5Handle(int64_t id)
    : id_(new int64_t(id), [](int64_t* p) {
        if (*p >= 0) close_id(*p);
        delete p;
      }) {}

std::string Hdf5Group::where(const std::string& child) const {
  std::string path = path_ == "/" ? "" : path_;
  if (!child.empty()) path += "/" + child;
  return file_->name + ":" + (path.empty() ? "/" : path);
}

bool Hdf5Group::has_group(const std::string& name) const {
  return object_type(handle_.id(), name) == H5I_GROUP;
}

bool Hdf5Group::has_dataset(const std::string& name) const {
  return object_type(handle_.id(), name) == H5I_DATASET;
}

bool Hdf5Group::has_attribute(const std::string& name) const {
  return H5Aexists(handle_.id(), name.c_str()) > 0;
}

Hdf5Group Hdf5Group::group(const std::string& name) const {
  if (!has_group(name)) throw Error(where(name) + ": no such group");
  const hid_t id = H5Gopen2(handle_.id(), name.c_str(), H5P_DEFAULT);
  if (id < 0) throw Error(where(name) + ": unreadable group");
  const std::string child = path_ == "/" ? "/" + name : path_ + "/" + name;
  return Hdf5Group(Hdf5Handle(id), child, file_);
}

std::vector<std::string> Hdf5Group::children() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Literate(handle_.id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names) < 0)
    throw Error(where() + ": unreadable group");
  return names;
}

std::string Hdf5Group::string_attribute(const std::string& name) const {
  if (!has_attribute(name)) throw Error(where() + ": no attribute '" + name + "'");
  Scoped attr(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT));
  const std::vector<std::string> values =
      read_strings(attr.id, where() + " attribute '" + name + "'");
  if (values.size() != 1)
    throw Error(where() + " attribute '" + name + "': expected one string, found " +
                std::to_string(values.size()));
  return values[0];
}

std::vector<std::string> Hdf5Group::string_list_attribute(const std::string& name) const {
  auto read = [&](const std::string& attr_name) {
    Scoped attr(H5Aopen(handle_.id(), attr_name.c_str(), H5P_DEFAULT));
    return read_strings(attr.id, where() + " attribute '" + attr_name + "'");
  };
  if (has_attribute(name)) return read(name);
  std::vector<std::string> out;
  for (int chunk = 0; has_attribute(name + std::to_string(chunk)); ++chunk) {
    std::vector<std::string> part = read(name + std::to_string(chunk));
    out.insert(out.end(), part.begin(), part.end());
  }
  if (out.empty() && !has_attribute(name + "0"))
    throw Error(where() + ": no attribute '" + name + "'");
  return out;
}

Tensor Hdf5Group::dataset(const std::string& name) const {
  const std::string here = where(name);
  if (!has_dataset(name)) throw Error(here + ": no such dataset");
  Scoped dataset(H5Dopen2(handle_.id(), name.c_str(), H5P_DEFAULT));
  Scoped type(H5Dget_type(dataset.id));
  Scoped space(H5Dget_space(dataset.id));
  if (dataset.id < 0 || type.id < 0 || space.id < 0) throw Error(here + ": unreadable dataset");
  hid_t memtype = -1;
  const DType dtype = dataset_dtype(type.id, &memtype);
  if (dtype == DType::Undefined)
    throw Error(here + ": unsupported element type (expected floats or integers)");
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0 || rank > 32) throw Error(here + ": unreadable dataset shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  Shape shape;
  long double bytes = static_cast<long double>(dtype_size(dtype));
  for (hsize_t d : dims) {
    shape.push_back(static_cast<int64_t>(d));
    bytes *= static_cast<long double>(d);
  }
  // A declared size the file cannot hold is a corrupt file, not an allocation to attempt: stored
  // plainly the data must fit in the file; compressed chunks get a generous factor.
  Scoped plist(H5Dget_create_plist(dataset.id));
  const bool contiguous = H5Pget_layout(plist.id) != H5D_CHUNKED;
  const long double limit = contiguous ? static_cast<long double>(file_->size)
                                       : 1024.0L * static_cast<long double>(file_->size);
  if (bytes > limit + 65536.0L)
    throw Error(here + ": declares " + shape_string(shape) + " " + dtype_name(dtype) +
                " values, more than the " + std::to_string(file_->size) +
                "-byte file can hold (corrupt file?)");
  Tensor tensor = Tensor::zeros(dtype, shape);
  if (tensor.numel() > 0 &&
      H5Dread(dataset.id, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.raw()) < 0)
    throw Error(here + ": unreadable dataset (truncated or corrupt file?)");
  return tensor;
}

bool Hdf5File::has_signature(const std::string& first_bytes) {
  return first_bytes.compare(0, 8, std::string("\x89HDF\r\n\x1a\n", 8)) == 0;
}

Hdf5File Hdf5File::open(const std::string& path) {
  quiet_hdf5();
  Hdf5File file;
  auto info = std::make_shared<Hdf5FileInfo>();
  info->name = path;
  std::error_code ec;
  info->size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read " + path + ": " + ec.message());
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw Error(path + ": not a readable HDF5 file (truncated or corrupt?)");
  file.handle_ = Hdf5Handle(id);
  file.info_ = std::move(info);
  return file;
}

Hdf5File Hdf5File::open_image(std::shared_ptr<const std::string> bytes,
                              const std::string& display_name) {
  quiet_hdf5();
  Hdf5File file;
  auto info = std::make_shared<Hdf5FileInfo>();
  info->name = display_name;
  info->size = bytes->size();
  info->image = bytes;
  // Read-only and without a copy: the image stays alive in `info` as long as any object does.
  const hid_t id = H5LTopen_file_image(const_cast<char*>(bytes->data()), bytes->size(),
                                       H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE);
  if (id < 0) throw Error(display_name + ": not a readable HDF5 file (truncated or corrupt?)");
  file.handle_ = Hdf5Handle(id);
  file.info_ = std::move(info);
  return file;
}

Hdf5Group Hdf5File::root() const {
  const hid_t id = H5Gopen2(handle_.id(), "/", H5P_DEFAULT);
  if (id < 0) throw Error(info_->name + ": unreadable HDF5 root group");
  return Hdf5Group(Hdf5Handle(id), "/", info_);
}

}  // namespace layerscope::keras
