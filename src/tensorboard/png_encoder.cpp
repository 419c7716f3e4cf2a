// PNG encoding with libpng's full write API, tuned for speed: `layerscope log` encodes a grid image
// for every rank-4 layer of every input, and at libpng's defaults (zlib level 6, all five row
// filters tried on every row) deflate took more time than running the model. zlib's run-length
// strategy with no row filter encodes feature maps about four times faster, and here (normalized
// activations, mostly noise to a compressor) even a little smaller.
#include "tensorboard/png_encoder.h"

#include <layerscope/error.h>

#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

namespace layerscope::tensorboard {
namespace {

constexpr int kZlibLevel = 1;

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
  static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
  if (channels < 1 || channels > 4 || height < 1 || width < 1)
    throw Error("cannot encode " + what + " as PNG: " + std::to_string(height) + "x" +
                std::to_string(width) + " pixels of " + std::to_string(channels) +
                " channels; expected at least 1x1 and 1 to 4 channels");
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
  if (compression == PngCompression::Fast) {
    png_set_compression_level(png, kZlibLevel);
    png_set_compression_strategy(png, Z_RLE);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  } else {
    png_set_compression_level(png, Z_BEST_COMPRESSION);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
  }
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::move(out.bytes);
}

}  // namespace layerscope::tensorboard
