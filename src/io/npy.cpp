// numpy .npy files, as specified in numpy's format documentation (NEP 1): magic "\x93NUMPY",
// version, little-endian header length, a Python dict literal header padded with spaces.
#include <layerscope/error.h>
#include <layerscope/io.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

namespace layerscope {
namespace {

struct NpyType {
  const char* code;  // without the byte-order character
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"f4", DType::Float32},   {"f8", DType::Float64},     {"f2", DType::Float16},
    {"i1", DType::Int8},      {"i2", DType::Int16},       {"i4", DType::Int32},
    {"i8", DType::Int64},     {"u1", DType::UInt8},       {"u2", DType::UInt16},
    {"u4", DType::UInt32},    {"u8", DType::UInt64},      {"b1", DType::Bool},
    {"c8", DType::Complex64}, {"c16", DType::Complex128},
};

void byteswap_elements(Tensor& t, std::size_t element_size, std::size_t parts) {
  const std::size_t size = element_size / parts;
  auto* bytes = static_cast<unsigned char*>(t.raw());
  const std::size_t total = t.nbytes() / size;
  for (std::size_t i = 0; i < total; ++i) std::reverse(bytes + i * size, bytes + (i + 1) * size);
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  const std::string where = "'" + path + "'";
  char magic[8];
  if (!file.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw Error(where + " is not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t header_length = 0;
  unsigned char len_bytes[4] = {0, 0, 0, 0};
  const int len_size = major == 1 ? 2 : 4;
  if (major < 1 || major > 3 || !file.read(reinterpret_cast<char*>(len_bytes), len_size))
    throw Error(where + ": unsupported .npy version " + std::to_string(major));
  for (int i = len_size - 1; i >= 0; --i) header_length = header_length * 256 + len_bytes[i];
  if (header_length > (1u << 20)) throw Error(where + ": .npy header is implausibly long");
  std::string header(header_length, '\0');
  if (!file.read(header.data(), header_length)) throw Error(where + ": truncated .npy header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([a-zA-Z]\d+)')")))
    throw Error(where +
                ": .npy header has no simple 'descr' (structured or object arrays are "
                "not supported): " +
                header);
  const char order = m[1].str()[0];
  const std::string code = m[2].str();
  DType dtype = DType::Undefined;
  for (const NpyType& t : kNpyTypes)
    if (code == t.code) dtype = t.dtype;
  if (dtype == DType::Undefined)
    throw Error(where + ": numpy dtype '" + code +
                "' is not supported; expected bool, an int, a "
                "uint, float16/32/64 or complex64/128");
  if (std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)")))
    throw Error(where + ": array is in Fortran order; save it C-ordered (np.ascontiguousarray)");
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    throw Error(where + ": .npy header has no 'shape'");
  Shape shape;
  const std::string dims = m[1].str();
  const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));

  Tensor tensor = Tensor::zeros(dtype, shape);
  if (!file.read(static_cast<char*>(tensor.raw()), static_cast<std::streamsize>(tensor.nbytes())))
    throw Error(where + ": data is truncated; expected " + std::to_string(tensor.nbytes()) +
                " bytes for " + dtype_name(dtype) + " " + shape_string(shape));
  if (order == '>' && dtype_size(dtype) > 1) {
    const bool complex = dtype == DType::Complex64 || dtype == DType::Complex128;
    byteswap_elements(tensor, dtype_size(dtype), complex ? 2 : 1);
  }
  return tensor;
}

void write_npy(const std::string& path, const Tensor& input) {
  Tensor tensor = input;
  if (tensor.dtype() == DType::BFloat16) {  // widen: numpy has no bfloat16
    tensor = Tensor::zeros(DType::Float32, input.shape());
    const auto* src = input.data<uint16_t>();
    auto* dst = tensor.data<uint32_t>();
    for (int64_t i = 0; i < input.numel(); ++i) dst[i] = static_cast<uint32_t>(src[i]) << 16;
  }
  const char* code = nullptr;
  for (const NpyType& t : kNpyTypes)
    if (t.dtype == tensor.dtype()) code = t.code;
  if (!code) throw Error("cannot write a " + dtype_name(tensor.dtype()) + " tensor to .npy");
  const bool single_byte = dtype_size(tensor.dtype()) == 1;
  // Python tuple syntax: "()", "(5,)", "(2, 3)".
  std::string shape = "(";
  for (int64_t i = 0; i < tensor.rank(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape()[i]);
  shape += tensor.rank() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + (single_byte ? "|" : "<") + code +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the data starts on a 64-byte boundary, ending the header with '\n'.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream file(path, std::ios::binary);
  if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char preamble[10] = {'\x93',
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             1,
                             0,
                             static_cast<char>(len & 0xff),
                             static_cast<char>(len >> 8)};
  file.write(preamble, 10);
  file.write(header.data(), static_cast<std::streamsize>(header.size()));
  file.write(static_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.nbytes()));
  if (!file) throw Error("writing '" + path + "' failed: " + std::strerror(errno));
}

}  // namespace layerscope
