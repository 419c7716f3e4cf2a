#pragma once
// What `log` puts beside an embedding's rows: labels from a CSV file and thumbnails of the inputs.
#include <layerscope/tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::cli {

// A labels file: CSV (comma-separated, fields may be double-quoted with "" for a quote), one line
// per file: FILE,LABEL[,MORE...]. FILE is matched against the inputs' names with or without their
// extension, or with another extension (x.png labels x.npy); directories are ignored. The first
// line is a header naming the columns (FILE,label,...) when its first field names none of the
// inputs; without one the columns are "label", "label2",
// ... Lines for files that are not inputs are passed over.
struct InputLabels {
  std::vector<std::string> columns;              // the label columns' names
  std::vector<std::vector<std::string>> labels;  // per input file, in the order given
};

// Throws Error naming the file and line when it cannot be read, is empty, has lines of one field
// or of differing widths, an unclosed quote, a file labelled twice, or no line for an input.
InputLabels read_labels(const std::string& csv_path, const std::vector<std::string>& input_files);

// One item of an input tensor as an 8-bit thumbnail, if it looks like an image: the item (the
// tensor itself, or its slice `index` along axis 0 when `batched`) must be C x H x W or H x W x C
// with C = 1 or 3 (channels first when both could be), floating or uint8. Floating values in
// [0, 1] are scaled by 255; others are stretched from the item's own finite min and max.
struct Thumbnail {
  int height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height x width x channels
};
bool make_thumbnail(const Tensor& tensor, bool batched, int64_t index, Thumbnail& out);

}  // namespace layerscope::cli
