#include "runtime/ops/tensorflow/image_format.h"

namespace layerscope::runtime::tf {

namespace {

std::string list_text(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

// Where spatial axis i sits in the format's order.
int64_t spatial_axis(const ImageFormat& format, std::size_t i) {
  return static_cast<int64_t>(i) + (format.channels_last ? 1 : 2);
}

// Checks a per-dimension list; the error names the list and what was expected (the caller adds
// the node).
std::string list_problem(const std::vector<int64_t>& values, const ImageFormat& format) {
  if (static_cast<int64_t>(values.size()) != format.rank())
    return "has " + std::to_string(values.size()) + " entries; expected " +
           std::to_string(format.rank()) + ", one per dimension of " + format.name;
  for (int64_t v : values)
    if (v < 1) return "has an entry below 1";
  if (values[0] != 1 || values[format.channel_axis()] != 1)
    return "is not 1 for the batch and channel dimensions (" + format.name +
           " order); only the spatial ones can differ";
  return "";
}

std::vector<int64_t> spatial_part(const std::vector<int64_t>& values, const ImageFormat& format) {
  std::vector<int64_t> spatial;
  for (std::size_t i = 0; i < format.spatial_rank; ++i)
    spatial.push_back(values[spatial_axis(format, i)]);
  return spatial;
}

}  // namespace

at::Tensor ImageFormat::aten_view(const at::Tensor& x) const {
  return channels_last ? channels_first_view(x) : x;
}

at::Tensor ImageFormat::from_aten(const at::Tensor& y) const {
  return channels_last ? to_channels_last(y) : y.contiguous();
}

void ImageFormat::check_rank(const at::Tensor& x, const std::string& what) const {
  if (x.dim() != rank())
    throw Error(what + " has shape " + c10::str(x.sizes()) + "; expected rank " +
                std::to_string(rank()) + " (" + name + ")");
}

ImageFormat read_format(const KernelInit& init, std::size_t spatial_rank) {
  const std::string last = spatial_rank == 3 ? "NDHWC" : "NHWC";
  const std::string first = spatial_rank == 3 ? "NCDHW" : "NCHW";
  ImageFormat format;
  format.spatial_rank = spatial_rank;
  format.name = init.node.attr_string("data_format", last);
  if (format.name != last && format.name != first)
    fail(init,
         "data_format '" + format.name + "' is not supported; expected " + last + " or " + first);
  format.channels_last = format.name == last;
  return format;
}

std::vector<int64_t> spatial_list(const KernelInit& init, const std::string& attr,
                                  const ImageFormat& format, int64_t fallback) {
  if (fallback < 1 && init.node.find_attribute(attr) == nullptr)
    fail(init, "has no '" + attr + "' attribute");
  const std::vector<int64_t> values =
      init.node.attr_ints(attr, std::vector<int64_t>(format.rank(), fallback));
  const std::string problem = list_problem(values, format);
  if (!problem.empty()) fail(init, attr + " " + list_text(values) + " " + problem);
  return spatial_part(values, format);
}

std::vector<int64_t> spatial_entries(const std::vector<int64_t>& values, const std::string& what,
                                     const ImageFormat& format) {
  const std::string problem = list_problem(values, format);
  if (!problem.empty()) throw Error(what + " " + list_text(values) + " " + problem);
  return spatial_part(values, format);
}

Padding::Padding(const KernelInit& init, const ImageFormat& format, bool allow_explicit) {
  const std::string padding = init.node.attr_string("padding", "");
  if (padding == "SAME") {
    kind_ = Kind::Same;
  } else if (padding == "VALID") {
    kind_ = Kind::Valid;
  } else if (padding == "EXPLICIT" && allow_explicit) {
    kind_ = Kind::Explicit;
    const std::vector<int64_t> pads = init.node.attr_ints("explicit_paddings");
    if (static_cast<int64_t>(pads.size()) != 2 * format.rank())
      fail(init, "padding EXPLICIT with " + std::to_string(pads.size()) +
                     " explicit_paddings; expected " + std::to_string(2 * format.rank()) +
                     ", a (before, after) pair per dimension of " + format.name);
    const int64_t c = format.channel_axis();
    if (pads[0] || pads[1] || pads[2 * c] || pads[2 * c + 1])
      fail(init, "explicit_paddings " + list_text(pads) +
                     " pad the batch or channel dimension; only the spatial ones can be padded");
    explicit_ = no_pads(format.spatial_rank);
    for (std::size_t i = 0; i < format.spatial_rank; ++i) {
      const int64_t axis = spatial_axis(format, i);
      explicit_.begin[i] = pads[2 * axis];
      explicit_.end[i] = pads[2 * axis + 1];
      if (explicit_.begin[i] < 0 || explicit_.end[i] < 0)
        fail(init, "explicit_paddings " + list_text(pads) + " has a negative pad");
    }
  } else {
    fail(init, "padding '" + padding + "' is not supported; expected SAME or VALID" +
                   (allow_explicit ? " or EXPLICIT" : ""));
  }
}

WindowPads Padding::resolve(const std::vector<int64_t>& input_spatial,
                            const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                            const std::vector<int64_t>& dilations) const {
  switch (kind_) {
    case Kind::Same:
      return same_pads(input_spatial, kernel, strides, dilations);
    case Kind::Explicit:
      return explicit_;
    case Kind::Valid:
      break;
  }
  return no_pads(kernel.size());
}

}  // namespace layerscope::runtime::tf
