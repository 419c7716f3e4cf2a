#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/io.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

namespace layerscope {
namespace {

using test::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Npy, RoundTripsEveryDtype) {
  TempDir dir;
  for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::Int8, DType::Int16,
                      DType::Int32, DType::Int64, DType::UInt8, DType::UInt16, DType::UInt32,
                      DType::UInt64, DType::Bool, DType::Complex64, DType::Complex128}) {
    Tensor t = Tensor::zeros(dtype, {2, 3});
    auto* bytes = static_cast<unsigned char*>(t.raw());
    for (std::size_t i = 0; i < t.nbytes(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 % 2);
    const std::string path = dir.file(dtype_name(dtype) + ".npy");
    write_npy(path, t);
    const Tensor back = read_npy(path);
    EXPECT_EQ(back.dtype(), dtype) << dtype_name(dtype);
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(0, std::memcmp(back.raw(), t.raw(), t.nbytes())) << dtype_name(dtype);
  }
}

TEST(Npy, HeaderIsAlignedAndSpellsShapesAsPython) {
  TempDir dir;
  write_npy(dir.file("v.npy"), Tensor::zeros(DType::Float32, {5}));
  write_npy(dir.file("s.npy"), Tensor::zeros(DType::Int64, {}));
  write_npy(dir.file("m.npy"), Tensor::zeros(DType::Bool, {2, 3}));
  const std::string v = read_bytes(dir.file("v.npy"));
  EXPECT_NE(v.find("'shape': (5,)"), std::string::npos);
  EXPECT_NE(v.find("'descr': '<f4'"), std::string::npos);
  EXPECT_EQ((v.size() - 5 * 4) % 64, 0u);
  EXPECT_NE(read_bytes(dir.file("s.npy")).find("'shape': ()"), std::string::npos);
  const std::string m = read_bytes(dir.file("m.npy"));
  EXPECT_NE(m.find("'shape': (2, 3)"), std::string::npos);
  EXPECT_NE(m.find("'descr': '|b1'"), std::string::npos);
}

TEST(Npy, ReadsBigEndian) {
  TempDir dir;
  std::string header = "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(dir.file("be.npy"), std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size()), 0};
  f.write(len, 2);
  f << header;
  f.write("\x00\x00\x01\x02\xff\xff\xff\xfe", 8);
  f.close();
  const Tensor t = read_npy(dir.file("be.npy"));
  ASSERT_EQ(t.dtype(), DType::Int32);
  EXPECT_EQ(t.data<int32_t>()[0], 258);
  EXPECT_EQ(t.data<int32_t>()[1], -2);
}

TEST(Npy, RefusesWhatItCannotRead) {
  TempDir dir;
  std::ofstream(dir.file("junk.npy")) << "not numpy";
  EXPECT_THROW(read_npy(dir.file("junk.npy")), Error);
  EXPECT_THROW(read_npy(dir.file("missing.npy")), Error);

  write_npy(dir.file("full.npy"), Tensor::zeros(DType::Float32, {100}));
  const std::string bytes = read_bytes(dir.file("full.npy"));
  std::ofstream(dir.file("short.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 10);
  try {
    read_npy(dir.file("short.npy"));
    FAIL() << "a truncated file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }

  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  std::ofstream(dir.file("fortran.npy"), std::ios::binary) << fortran;
  EXPECT_THROW(read_npy(dir.file("fortran.npy")), Error);
}

}  // namespace
}  // namespace layerscope
