#include "png_decode.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>

namespace layerscope::test {
namespace {

// `begin` starts reading `image`; `what` names the PNG in failure messages.
template <typename Begin>
DecodedPng decode(const Begin& begin, const std::string& what) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  DecodedPng out;
  if (!begin(image)) {
    ADD_FAILURE() << what << ": " << image.message;
    return out;
  }
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  out.channels = static_cast<int>(PNG_IMAGE_PIXEL_CHANNELS(image.format));
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr))
    ADD_FAILURE() << what << ": " << image.message;
  return out;
}

}  // namespace

DecodedPng decode_png(const std::string& bytes) {
  return decode(
      [&](png_image& image) {
        return png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) != 0;
      },
      "PNG in memory");
}

DecodedPng decode_png_file(const std::string& path) {
  return decode(
      [&](png_image& image) { return png_image_begin_read_from_file(&image, path.c_str()) != 0; },
      path);
}

}  // namespace layerscope::test
