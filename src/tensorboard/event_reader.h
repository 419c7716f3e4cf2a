#pragma once
// Reads TensorBoard event files: TFRecord framing with both CRCs checked, then each record parsed
// as an Event into plain structs (no protobuf types in this header). Backs the tests and
// `layerscope events DIR`.
#include "tensorboard/histogram.h"

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::tensorboard {

struct RecordFile {
  std::vector<std::string> records;  // the data of each whole record, in order
  // The file ends inside a record (a writer killed mid-write, or still writing): the whole records
  // before it are in `records`; `tail_bytes` bytes were left unread.
  bool truncated = false;
  std::size_t tail_bytes = 0;
};

// Throws Error naming the file and byte offset on a CRC mismatch or an unreadable file.
RecordFile read_records(const std::string& path);

struct ImageValue {
  int height = 0, width = 0, colorspace = 0;
  std::string encoded;  // PNG bytes
};

struct SummaryValue {
  enum class Kind { Scalar, Histogram, Image, Tensor, Empty };
  std::string tag;
  Kind kind = Kind::Empty;
  std::string plugin_name;  // from the value's metadata, if any
  // Kind::Scalar: simple_value, or a one-element float/double tensor whose plugin is "scalars"
  // (as TensorFlow 2 writes scalars).
  double scalar = 0;
  Histogram histogram;  // Kind::Histogram (its nan/inf counts are not stored in the file)
  ImageValue image;     // Kind::Image
};

struct EventRecord {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;  // set in a file's first event
  bool has_graph = false;
  std::vector<SummaryValue> values;
};

struct EventFile {
  std::vector<EventRecord> events;
  bool truncated = false;  // as RecordFile::truncated
  std::size_t tail_bytes = 0;
};

// Throws Error naming the file and the record's index if a record is not an Event.
EventFile read_events(const std::string& path);

}  // namespace layerscope::tensorboard
