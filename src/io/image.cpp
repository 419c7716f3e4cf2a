// PNG (libpng's simplified API) and JPEG (libjpeg) decoding into model-input tensors.
#include <layerscope/error.h>
#include <layerscope/io.h>

#include <png.h>
// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <cstdio>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstring>
#include <fstream>
#include <vector>

namespace layerscope {
namespace {

struct Pixels {
  int width = 0, height = 0, channels = 0;  // channels 1, 3 or 4
  std::vector<uint8_t> data;                // row-major, interleaved
};

Pixels decode_png(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw Error("cannot decode PNG '" + path + "': " + image.message);
  Pixels px;
  const bool color = image.format & PNG_FORMAT_FLAG_COLOR;
  const bool alpha = image.format & PNG_FORMAT_FLAG_ALPHA;
  image.format = color ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB)
                       : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
  px.channels = color ? (alpha ? 4 : 3) : 1;
  px.width = static_cast<int>(image.width);
  px.height = static_cast<int>(image.height);
  px.data.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, px.data.data(), 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    throw Error("cannot decode PNG '" + path + "': " + message);
  }
  if (!color && alpha) {  // gray+alpha: keep the gray
    for (std::size_t i = 0; i < px.data.size() / 2; ++i) px.data[i] = px.data[2 * i];
    px.data.resize(px.data.size() / 2);
  }
  return px;
}

struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

Pixels decode_jpeg(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  jpeg_decompress_struct info;
  JpegError error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = on_jpeg_error;
  Pixels px;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    std::fclose(file);
    throw Error("cannot decode JPEG '" + path + "': " + error.message);
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  px.width = static_cast<int>(info.output_width);
  px.height = static_cast<int>(info.output_height);
  px.channels = info.output_components;
  px.data.resize(static_cast<std::size_t>(px.width) * px.height * px.channels);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row =
        px.data.data() + static_cast<std::size_t>(info.output_scanline) * px.width * px.channels;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  std::fclose(file);
  return px;
}

bool has_signature(const std::string& path, const unsigned char* signature, std::size_t size) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  std::vector<unsigned char> head(size);
  file.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(size));
  return file && std::equal(head.begin(), head.end(), signature);
}

// Channel c of the pixel, converted to `wanted` channels (gray <-> RGB by luma / replication).
float channel_value(const Pixels& px, std::size_t pixel, int c, int wanted) {
  const uint8_t* p = px.data.data() + pixel * px.channels;
  if (wanted == 1 && px.channels >= 3) return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
  if (px.channels == 1) return c == 3 ? 255.0f : p[0];
  if (c < px.channels) return p[c];
  return 255.0f;  // alpha asked of an RGB image: opaque
}

}  // namespace

Tensor read_image(const std::string& path, const ImageReadOptions& layout) {
  static const unsigned char kPng[] = {0x89, 'P', 'N', 'G'};
  static const unsigned char kJpeg[] = {0xff, 0xd8, 0xff};
  Pixels px;
  if (has_signature(path, kPng, sizeof kPng))
    px = decode_png(path);
  else if (has_signature(path, kJpeg, sizeof kJpeg))
    px = decode_jpeg(path);
  else
    throw Error("'" + path + "' is neither a PNG nor a JPEG image");
  const int channels = static_cast<int>(layout.channels);
  if (channels != 1 && channels != 3 && channels != 4)
    throw Error("image input wants " + std::to_string(channels) + " channels; expected 1, 3 or 4");
  const int64_t out_h = layout.height > 0 ? layout.height : px.height;
  const int64_t out_w = layout.width > 0 ? layout.width : px.width;
  Shape shape =
      layout.channels_last ? Shape{1, out_h, out_w, channels} : Shape{1, channels, out_h, out_w};
  Tensor tensor = Tensor::zeros(DType::Float32, shape);
  float* out = tensor.data<float>();
  // Bilinear with half-pixel centres (as PIL and torchvision's resize without antialiasing).
  const double sy = static_cast<double>(px.height) / static_cast<double>(out_h);
  const double sx = static_cast<double>(px.width) / static_cast<double>(out_w);
  for (int64_t y = 0; y < out_h; ++y) {
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, px.height - 1.0);
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, px.height - 1);
    const double wy = fy - y0;
    for (int64_t x = 0; x < out_w; ++x) {
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, px.width - 1.0);
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, px.width - 1);
      const double wx = fx - x0;
      for (int c = 0; c < channels; ++c) {
        auto at = [&](int yy, int xx) {
          return channel_value(px, static_cast<std::size_t>(yy) * px.width + xx, c, channels);
        };
        const double v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) +
                         wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
        const int64_t index =
            layout.channels_last ? (y * out_w + x) * channels + c : (c * out_h + y) * out_w + x;
        out[index] = static_cast<float>(v / 255.0);
      }
    }
  }
  return tensor;
}

}  // namespace layerscope
