#include "tensorboard/png_encoder.h"

#include <layerscope/error.h>

#include <png.h>

#include <cstring>

namespace layerscope::tensorboard {

std::string encode_png(const uint8_t* pixels, int height, int width, int channels,
                       const std::string& what) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  static const png_uint_32 formats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                        PNG_FORMAT_RGBA};
  image.format = formats[channels - 1];
  // One compression pass into a buffer of the largest size the image can take (libpng's bound,
  // a little over the raw size), instead of a pass to learn the size and another to write.
  png_alloc_size_t size = PNG_IMAGE_PNG_SIZE_MAX(image);
  std::string png(size, '\0');
  if (!png_image_write_to_memory(&image, png.data(), &size, 0, pixels, 0, nullptr))
    throw Error("cannot encode " + what + " as PNG: " + image.message);
  png.resize(size);
  return png;
}

}  // namespace layerscope::tensorboard
