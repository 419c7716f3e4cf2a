#include "tensorboard/event_reader.h"

#include <layerscope/error.h>

#include "io/crc32c.h"
#include "tensorboard/proto/event.pb.h"
#include "tensorboard/record_writer.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace layerscope::tensorboard {
namespace {

namespace pb = ::tensorboard;  // the generated messages
namespace tf = ::tensorflow;   // TensorFlow's messages they contain

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read event file '" + path + "': " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

SummaryValue convert(const pb::Summary::Value& v) {
  SummaryValue out;
  out.tag = v.tag();
  out.plugin_name = v.metadata().plugin_data().plugin_name();
  switch (v.value_case()) {
    case pb::Summary::Value::kSimpleValue:
      out.kind = SummaryValue::Kind::Scalar;
      out.scalar = v.simple_value();
      break;
    case pb::Summary::Value::kHisto: {
      out.kind = SummaryValue::Kind::Histogram;
      const pb::HistogramProto& h = v.histo();
      out.histogram.min = h.min();
      out.histogram.max = h.max();
      out.histogram.num = h.num();
      out.histogram.sum = h.sum();
      out.histogram.sum_squares = h.sum_squares();
      out.histogram.bucket_limit.assign(h.bucket_limit().begin(), h.bucket_limit().end());
      out.histogram.bucket.assign(h.bucket().begin(), h.bucket().end());
      break;
    }
    case pb::Summary::Value::kImage:
      out.kind = SummaryValue::Kind::Image;
      out.image.height = v.image().height();
      out.image.width = v.image().width();
      out.image.colorspace = v.image().colorspace();
      out.image.encoded = v.image().encoded_image_string();
      break;
    case pb::Summary::Value::kTensor: {
      out.kind = SummaryValue::Kind::Tensor;
      const tf::TensorProto& t = v.tensor();
      if (out.plugin_name == "scalars") {
        if (t.float_val_size() == 1) {
          out.kind = SummaryValue::Kind::Scalar;
          out.scalar = t.float_val(0);
        } else if (t.double_val_size() == 1) {
          out.kind = SummaryValue::Kind::Scalar;
          out.scalar = t.double_val(0);
        } else if (t.dtype() == tf::DT_FLOAT && t.tensor_content().size() == sizeof(float)) {
          float f;
          std::memcpy(&f, t.tensor_content().data(), sizeof f);
          out.kind = SummaryValue::Kind::Scalar;
          out.scalar = f;
        } else if (t.dtype() == tf::DT_DOUBLE && t.tensor_content().size() == sizeof(double)) {
          std::memcpy(&out.scalar, t.tensor_content().data(), sizeof(double));
          out.kind = SummaryValue::Kind::Scalar;
        }
      }
      break;
    }
    case pb::Summary::Value::VALUE_NOT_SET:
      break;
  }
  return out;
}

}  // namespace

RecordFile read_records(const std::string& path) {
  const std::string bytes = read_file(path);
  RecordFile file;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t left = bytes.size() - at;
    if (left < 12) break;
    const char* p = bytes.data() + at;
    const uint64_t length = get_le(p, 8);
    if (io::mask_crc(io::crc32c(p, 8)) != get_le(p + 8, 4))
      throw Error("corrupt event file '" + path + "': bad length CRC at byte " +
                  std::to_string(at));
    if (left < 16 || length > left - 16) break;
    const char* data = p + 12;
    if (io::mask_crc(io::crc32c(data, length)) != get_le(data + length, 4))
      throw Error("corrupt event file '" + path + "': bad data CRC in the record at byte " +
                  std::to_string(at));
    file.records.emplace_back(data, length);
    at += 16 + length;
  }
  file.truncated = at < bytes.size();
  file.tail_bytes = bytes.size() - at;
  return file;
}

EventFile read_events(const std::string& path) {
  RecordFile records = read_records(path);
  EventFile file;
  file.truncated = records.truncated;
  file.tail_bytes = records.tail_bytes;
  for (std::size_t i = 0; i < records.records.size(); ++i) {
    pb::Event event;
    if (!event.ParseFromString(records.records[i]))
      throw Error("corrupt event file '" + path + "': record " + std::to_string(i) +
                  " is not an Event");
    EventRecord out;
    out.wall_time = event.wall_time();
    out.step = event.step();
    out.file_version = event.file_version();
    out.has_graph = event.has_graph_def();
    for (const pb::Summary::Value& v : event.summary().value()) out.values.push_back(convert(v));
    file.events.push_back(std::move(out));
  }
  return file;
}

}  // namespace layerscope::tensorboard
