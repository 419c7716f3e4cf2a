// PNG encoding. `log` encodes a grid image for every rank-4 layer of every input, so the fast
// kind is written here around libdeflate: no row filter, deflate level 1 (normalized activations
// are mostly noise to a compressor; filters and higher levels buy little), about twice zlib's
// speed at its fastest settings (level 1, run-length strategy) and four times libpng's defaults.
// The small kind, for plots written once, goes through libpng with every row filter tried and
// zlib level 9.
#include "tensorboard/png_encoder.h"

#include <layerscope/error.h>

#include <libdeflate.h>
#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace layerscope::tensorboard {
namespace {

void check_shape(int height, int width, int channels, const std::string& what) {
  if (channels < 1 || channels > 4 || height < 1 || width < 1)
    throw Error("cannot encode " + what + " as PNG: " + std::to_string(height) + "x" +
                std::to_string(width) + " pixels of " + std::to_string(channels) +
                " channels; expected at least 1x1 and 1 to 4 channels");
}

// PNG's color type for 1 to 4 channels: gray, gray+alpha, RGB, RGBA.
constexpr uint8_t kColorTypes[] = {0, 4, 2, 6};

void put_be32(char* at, uint32_t v) {
  at[0] = static_cast<char>(v >> 24);
  at[1] = static_cast<char>(v >> 16);
  at[2] = static_cast<char>(v >> 8);
  at[3] = static_cast<char>(v);
}

void append_be32(std::string& out, uint32_t v) {
  out.resize(out.size() + 4);
  put_be32(&out[out.size() - 4], v);
}

// A chunk: its length, then its type, then its data (appended by the caller), then the CRC-32 of
// type and data. Returns where the chunk starts.
std::size_t begin_chunk(std::string& out, const char (&type)[5]) {
  const std::size_t start = out.size();
  out.append(4, '\0');  // the length, known at the end
  out.append(type, 4);
  return start;
}

void end_chunk(std::string& out, std::size_t start) {
  put_be32(&out[start], static_cast<uint32_t>(out.size() - start - 8));
  append_be32(out, libdeflate_crc32(0, out.data() + start + 4, out.size() - start - 4));
}

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

std::string encode_fast(const uint8_t* pixels, int height, int width, int channels,
                        const std::string& what) {
  // One compressor per thread, kept: allocating one costs about as much as a small image.
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor(
      libdeflate_alloc_compressor(1));
  if (!compressor) throw Error("cannot encode " + what + " as PNG: out of memory");
  // Each row behind its filter byte (0: none).
  const std::size_t row_bytes = static_cast<std::size_t>(width) * channels;
  std::vector<uint8_t> rows((row_bytes + 1) * static_cast<std::size_t>(height));
  for (std::size_t y = 0; y < static_cast<std::size_t>(height); ++y) {
    rows[y * (row_bytes + 1)] = 0;
    std::memcpy(&rows[y * (row_bytes + 1) + 1], pixels + y * row_bytes, row_bytes);
  }
  const std::size_t bound = libdeflate_zlib_compress_bound(compressor.get(), rows.size());

  std::string out("\x89PNG\r\n\x1a\n", 8);
  out.reserve(8 + 25 + 12 + bound + 12);
  std::size_t start = begin_chunk(out, "IHDR");
  append_be32(out, static_cast<uint32_t>(width));
  append_be32(out, static_cast<uint32_t>(height));
  // bit depth 8, color type, compression 0 (deflate), filter method 0, no interlace
  const char header[5] = {8, static_cast<char>(kColorTypes[channels - 1]), 0, 0, 0};
  out.append(header, 5);
  end_chunk(out, start);

  start = begin_chunk(out, "IDAT");
  const std::size_t data_at = out.size();
  out.resize(data_at + bound);
  const std::size_t size =
      libdeflate_zlib_compress(compressor.get(), rows.data(), rows.size(), &out[data_at], bound);
  if (size == 0) throw Error("cannot encode " + what + " as PNG: deflate failed");
  out.resize(data_at + size);
  end_chunk(out, start);

  end_chunk(out, begin_chunk(out, "IEND"));
  return out;
}

struct Output {
  std::string bytes;
  char message[200] = "unknown libpng error";
};

void on_error(png_structp png, png_const_charp message) {
  auto* out = static_cast<Output*>(png_get_error_ptr(png));
  std::snprintf(out->message, sizeof out->message, "%s", message ? message : "libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

void append(png_structp png, png_bytep data, png_size_t size) {
  auto* out = static_cast<Output*>(png_get_io_ptr(png));
  try {
    out->bytes.append(reinterpret_cast<const char*>(data), size);
  } catch (...) {  // no C++ exception may cross libpng's C frames
    png_error(png, "out of memory");
  }
}

void flush_nothing(png_structp) {}

}  // namespace

std::string encode_png(const uint8_t* pixels, int height, int width, int channels,
                       const std::string& what, PngCompression compression) {
  check_shape(height, width, channels, what);
  if (compression == PngCompression::Fast)
    return encode_fast(pixels, height, width, channels, what);
  static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
  std::vector<png_bytep> rows(static_cast<std::size_t>(height));
  const std::size_t row_bytes = static_cast<std::size_t>(width) * channels;
  for (std::size_t y = 0; y < rows.size(); ++y)
    rows[y] = const_cast<png_bytep>(pixels + y * row_bytes);
  Output out;
  out.bytes.reserve(row_bytes * rows.size() / 2 + 1024);

  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out, on_error, on_warning);
  if (!png) throw Error("cannot encode " + what + " as PNG: libpng could not start");
  png_infop info = png_create_info_struct(png);
  // libpng reports errors by longjmp back to here; nothing with a destructor is created below.
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error("cannot encode " + what + " as PNG: " + out.message);
  }
  png_set_write_fn(png, &out, append, flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               color_types[channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, Z_BEST_COMPRESSION);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::move(out.bytes);
}

}  // namespace layerscope::tensorboard
