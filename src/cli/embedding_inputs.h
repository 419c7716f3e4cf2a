#pragma once
// Running a model over a folder of inputs, as `log` and `embed` do: the folder's files, their
// batches, labels from a CSV file, and what a Projector embedding gets beside its rows (file
// names, labels, thumbnails of the inputs).
#include "cli/inputs.h"

#include <layerscope/graph.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace layerscope::cli {

// The input files (.npy, .pb, .png, .jpg) of a folder, sorted by name; other files (labels, notes)
// are passed over. Files that differ only in extension (digit_00.npy, digit_00.png) are one
// sample: the exact tensor formats win over images (.npy, .pb, .png, .jpg, .jpeg). Throws Error
// when the folder cannot be read or holds no input file.
struct InputFiles {
  std::vector<std::string> paths;
  std::size_t passed_over = 0;  // same name as a kept file, another format
};
InputFiles input_files(const std::string& dir);

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

// Labels for the rows of a matrix (embed --from-npy), in row order: a .npy of numbers, or a text
// file with one label per line. Throws Error unless there are exactly `rows` of them (`data_path`
// names the matrix in the message).
std::vector<std::string> read_row_labels(const std::string& path, int64_t rows,
                                         const std::string& data_path);

// A number as a label: whole numbers without decimals ("3"), others as %g ("0.5").
std::string number_label(double v);

// One run of the model over a batch of input files.
struct Step {
  std::map<std::string, Tensor> inputs;
  bool batched = true;                 // the first input's axis 0 counts its items
  int64_t batch_size = 1;              // items in the first input
  std::vector<std::string> row_names;  // with input files: the file of each item
  std::vector<const std::vector<std::string>*> row_labels;  // with labels
};

// Whether a tensor for `input` has a batch axis: not when it is one rank short of the input.
bool has_batch_axis(const Tensor& tensor, const Value& input);

// One step per file bound to the model's first input, or per `batch` files stacked along axis 0
// (a file without a batch axis is one item; the last batch holds what is left). `other_inputs`
// (--input/--random) fill the other inputs, the same each step. Throws Error when files of a batch
// disagree in dtype or in any dimension past the first.
std::vector<Step> steps_from_files(const Graph& graph, const InputOptions& other_inputs,
                                   const std::vector<std::string>& paths, int batch,
                                   const InputLabels* labels);

// Metadata and thumbnails for a Projector embedding of one row per item of `steps`: the file
// names and `labels`' columns when the steps came from files, and a sprite of the first input's
// items when every one is an image of the same size (its pixels kept in `thumbnails`, which must
// outlive the returned options).
EmbeddingOptions projector_extras(const std::vector<Step>& steps, const Graph& graph,
                                  const InputLabels* labels, std::vector<uint8_t>& thumbnails);

// One item of an input tensor as an 8-bit thumbnail, if it looks like an image: the item (the
// tensor itself, or its slice `index` along axis 0 when `batched`) must be C x H x W or H x W x C
// with C = 1 or 3 (as `layout` says; when Unknown, channels first when both could be), floating or
// uint8. Floating values in [0, 1] are scaled by 255; others are stretched from the item's own
// finite min and max.
struct Thumbnail {
  int height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height x width x channels
};
bool make_thumbnail(const Tensor& tensor, bool batched, int64_t index, Layout layout,
                    Thumbnail& out);

}  // namespace layerscope::cli
