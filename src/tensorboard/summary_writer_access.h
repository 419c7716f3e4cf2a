#pragma once
// For observers inside the library: add_histogram() and add_images() split in two, the work that
// may run on any thread (binning, drawing the grid, PNG encoding) and the write, made in the
// caller's order. Records come out exactly as the add_* calls write them.
#include <layerscope/summary_writer.h>

#include "tensorboard/histogram.h"

#include <cstdint>
#include <optional>
#include <string>

namespace layerscope::tensorboard {

struct EncodedImage {
  std::string png;
  int height = 0, width = 0, channels = 0;
};

// add_images()'s grid of `count` uint8 images, as a PNG. Throws Error as add_images() does.
EncodedImage encode_image_grid(const std::string& tag, const uint8_t* pixels, int count, int height,
                               int width, int channels, int padding = 2);

// What add_histogram() returns for `h`.
HistogramCounts histogram_counts(const Histogram& h);

struct SummaryWriterAccess {
  static void write_histogram(SummaryWriter& writer, const std::string& tag, const Histogram& h,
                              int64_t step, std::optional<double> walltime = std::nullopt);
  // Takes the PNG bytes over rather than copying them into the event.
  static void write_image(SummaryWriter& writer, const std::string& tag, EncodedImage image,
                          int64_t step, std::optional<double> walltime = std::nullopt);
};

}  // namespace layerscope::tensorboard
