// Signal processing (opset 17): DFT, STFT, the Hann, Hamming and Blackman windows, and
// MelWeightMatrix.
//
// ONNX has no complex tensors: a signal is a real tensor whose last dimension is 1 for real data
// or 2 for (real, imaginary) pairs, and spectra are always returned in the pair form. Kernels turn
// that into an ATen complex tensor, use at::fft_*, and turn the result back.
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {

namespace {

constexpr double kPi = 3.14159265358979323846;

// The value of a one-element tensor (a scalar input such as a length), as an integer.
int64_t scalar_int(const at::Tensor& t, const char* name, const std::string& where) {
  if (t.numel() != 1)
    throw Error(where + ": " + name + " has shape " + c10::str(t.sizes()) + "; expected a scalar");
  return t.reshape({}).to(at::kLong).item<int64_t>();
}

double scalar_double(const at::Tensor& t, const char* name, const std::string& where) {
  if (t.numel() != 1)
    throw Error(where + ": " + name + " has shape " + c10::str(t.sizes()) + "; expected a scalar");
  return t.reshape({}).to(at::kDouble).item<double>();
}

// [..., 1] -> real [...]; [..., 2] -> complex [...], in float64: numpy (ONNX's reference)
// transforms in double precision, and float32 round-off alone exceeds the absolute tolerance
// (1e-7) on near-zero bins of typical spectra.
at::Tensor to_signal(const at::Tensor& x, const std::string& where) {
  if (!at::isFloatingType(x.scalar_type()))
    throw Error(where + ": signal is " + std::string(c10::toString(x.scalar_type())) +
                "; expected a floating-point type");
  const at::Tensor values = x.to(at::kDouble);
  const int64_t parts = values.dim() > 0 ? values.size(-1) : 0;
  if (parts == 1) return values.squeeze(-1);
  if (parts == 2) return at::view_as_complex(values.contiguous());
  throw Error(where + ": signal has shape " + c10::str(x.sizes()) +
              "; expected a last dimension of 1 (real) or 2 (real, imaginary)");
}

// complex [...] -> [..., 2] as `type`. (ATen may return a lazily conjugated spectrum, e.g. the
// inverse transform of a real signal: resolve it before viewing it as pairs.)
at::Tensor to_pairs(const at::Tensor& spectrum, at::ScalarType type) {
  return at::view_as_real(spectrum.resolve_conj()).to(type).contiguous();
}

// The DFT of `signal` along `dim` over `length` points (zero-padded or truncated). A onesided
// spectrum keeps bins 0..length/2, the rest being conjugates of those for real signals.
at::Tensor transform(const at::Tensor& signal, int64_t length, int64_t dim, bool inverse,
                     bool onesided) {
  if (onesided && !signal.is_complex()) return at::fft_rfft(signal, length, dim);
  const at::Tensor full =
      inverse ? at::fft_ifft(signal, length, dim) : at::fft_fft(signal, length, dim);
  return onesided ? full.narrow(dim, 0, length / 2 + 1) : full;
}

// DFT: inputs input, optional dft_length, and (opset 20) optional axis, which opset 17 has as an
// attribute (default 1; opset 20's default is -2, the last signal dimension).
KernelFactory dft() {
  return [](const KernelInit& init) -> Kernel {
    const bool inverse = init.node.attr_int("inverse", 0) != 0;
    const bool onesided = init.node.attr_int("onesided", 0) != 0;
    if (inverse && onesided) fail(init, "onesided and inverse are both set; expected at most one");
    std::optional<int64_t> axis;
    if (init.node.find_attribute("axis")) {
      axis = init.node.attr_int("axis", 1);
    } else if (!init.has_input(2)) {
      axis = init.opset >= 20 ? -2 : 1;
    } else if (const at::Tensor constant = init.constant_input(2); constant.defined()) {
      axis = scalar_int(constant, "axis", init.where());
    }
    const std::string where = init.where();
    return [inverse, onesided, axis, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      const int64_t dim =
          normalize_axis(axis ? *axis : scalar_int(ctx.inputs.at(2), "axis", where), rank, where);
      if (dim == rank - 1)
        throw Error(where + ": axis " + std::to_string(dim) +
                    " is the (real, imaginary) dimension; expected a signal dimension");
      const at::Tensor signal = to_signal(x, where);
      const int64_t length =
          ctx.has(1) ? scalar_int(ctx.inputs[1], "dft_length", where) : signal.size(dim);
      if (length < 1)
        throw Error(where + ": dft_length is " + std::to_string(length) + "; expected >= 1");
      return {to_pairs(transform(signal, length, dim, inverse, onesided), x.scalar_type())};
    };
  };
}

// STFT: inputs signal [batch, length, 1 or 2], frame_step, optional window [frame_length],
// optional frame_length. Frames start every frame_step samples and must fit entirely (no
// padding); output [batch, frames, bins, 2].
KernelFactory stft() {
  return [](const KernelInit& init) -> Kernel {
    const bool onesided = init.node.attr_int("onesided", 1) != 0;
    const std::string where = init.where();
    return [onesided, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 3)
        throw Error(where + ": signal has shape " + c10::str(x.sizes()) +
                    "; expected [batch, length, 1 or 2]");
      const int64_t step = scalar_int(ctx.inputs.at(1), "frame_step", where);
      const at::Tensor window = ctx.has(2) ? ctx.inputs[2].to(at::kDouble) : at::Tensor();
      if (window.defined() && window.dim() != 1)
        throw Error(where + ": window has shape " + c10::str(window.sizes()) + "; expected rank 1");
      int64_t frame_length = 0;
      if (ctx.has(3)) {
        frame_length = scalar_int(ctx.inputs[3], "frame_length", where);
        if (window.defined() && window.size(0) != frame_length)
          throw Error(where + ": window has " + std::to_string(window.size(0)) +
                      " points but frame_length is " + std::to_string(frame_length) +
                      "; expected them equal");
      } else if (window.defined()) {
        frame_length = window.size(0);
      } else {
        throw Error(where + ": neither window nor frame_length is given; expected at least one");
      }
      const at::Tensor signal = to_signal(x, where);  // [batch, length]
      if (step < 1 || frame_length < 1 || frame_length > signal.size(1))
        throw Error(where + ": frame_step " + std::to_string(step) + " and frame_length " +
                    std::to_string(frame_length) + " do not fit a signal of " +
                    std::to_string(signal.size(1)) + " samples; expected 1 <= frame_length <= " +
                    std::to_string(signal.size(1)) + " and frame_step >= 1");
      at::Tensor frames = signal.unfold(1, frame_length, step);  // [batch, frames, frame_length]
      if (window.defined()) frames = frames * window;
      return {to_pairs(transform(frames, frame_length, -1, false, onesided), x.scalar_type())};
    };
  };
}

// Windows w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N) for n < size, with N = size for a
// periodic window (one period of a longer one) and N = size - 1 for a symmetric one. Input size,
// output as attribute output_datatype (default float).
KernelFactory cosine_sum_window(double a0, double a1, double a2) {
  return [a0, a1, a2](const KernelInit& init) -> Kernel {
    const bool periodic = init.node.attr_int("periodic", 1) != 0;
    const at::ScalarType type =
        to_scalar_type(static_cast<DType>(init.node.attr_int("output_datatype", 1)), init.where());
    const std::string where = init.where();
    return [a0, a1, a2, periodic, type, where](KernelContext& ctx) -> Tensors {
      const int64_t size = scalar_int(ctx.inputs.at(0), "size", where);
      if (size < 0) throw Error(where + ": size is " + std::to_string(size) + "; expected >= 0");
      const int64_t period = periodic ? size : size - 1;
      // A one-point symmetric window is [1], as in numpy, scipy and PyTorch.
      if (period == 0) return {at::ones({size}, at::TensorOptions().dtype(type))};
      const at::Tensor angle =
          at::arange(size, at::TensorOptions().dtype(at::kDouble)) * (2 * kPi / period);
      const at::Tensor w = a0 - a1 * at::cos(angle) + a2 * at::cos(2 * angle);
      return {w.to(type)};
    };
  };
}

// MelWeightMatrix: inputs num_mel_bins, dft_length, sample_rate, lower_edge_hertz,
// upper_edge_hertz; output [dft_length / 2 + 1, num_mel_bins] of triangular filters peaking at
// 1, their edges spaced evenly on the mel scale mel(f) = 2595 log10(1 + f / 700) and snapped to
// DFT bins as ONNX's reference does.
KernelFactory mel_weight_matrix() {
  return [](const KernelInit& init) -> Kernel {
    const at::ScalarType type =
        to_scalar_type(static_cast<DType>(init.node.attr_int("output_datatype", 1)), init.where());
    const std::string where = init.where();
    return [type, where](KernelContext& ctx) -> Tensors {
      const int64_t mel_bins = scalar_int(ctx.inputs.at(0), "num_mel_bins", where);
      const int64_t dft_length = scalar_int(ctx.inputs.at(1), "dft_length", where);
      const int64_t sample_rate = scalar_int(ctx.inputs.at(2), "sample_rate", where);
      const double lower_hz = scalar_double(ctx.inputs.at(3), "lower_edge_hertz", where);
      const double upper_hz = scalar_double(ctx.inputs.at(4), "upper_edge_hertz", where);
      if (mel_bins < 1 || dft_length < 1 || sample_rate < 1)
        throw Error(where + ": num_mel_bins " + std::to_string(mel_bins) + ", dft_length " +
                    std::to_string(dft_length) + ", sample_rate " + std::to_string(sample_rate) +
                    "; expected all >= 1");
      const int64_t spectrogram_bins = dft_length / 2 + 1;

      auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
      const double low_mel = mel(lower_hz);
      const double mel_step = (mel(upper_hz) - low_mel) / static_cast<double>(mel_bins + 2);
      // The DFT bin of each filter edge: mel_bins + 2 edges, filter i spans edges i..i+2.
      std::vector<int64_t> edge(mel_bins + 2);
      for (int64_t i = 0; i < mel_bins + 2; ++i) {
        const double hz = 700.0 * (std::pow(10.0, (i * mel_step + low_mel) / 2595.0) - 1.0);
        edge[i] = static_cast<int64_t>(std::floor((dft_length + 1) * hz / sample_rate));
      }

      at::Tensor weights =
          at::zeros({spectrogram_bins, mel_bins}, at::TensorOptions().dtype(at::kDouble));
      auto w = weights.accessor<double, 2>();
      auto set = [&](int64_t bin, int64_t filter, double value) {
        if (bin >= 0 && bin < spectrogram_bins) w[bin][filter] = value;
      };
      for (int64_t i = 0; i < mel_bins; ++i) {
        const int64_t left = edge[i], center = edge[i + 1], right = edge[i + 2];
        if (center == left) {
          set(center, i, 1.0);
        } else {
          for (int64_t j = left; j <= center; ++j)
            set(j, i, static_cast<double>(j - left) / static_cast<double>(center - left));
        }
        for (int64_t j = center; j < right; ++j)
          set(j, i, static_cast<double>(right - j) / static_cast<double>(right - center));
      }
      return {weights.to(type)};
    };
  };
}

}  // namespace

void register_signal_ops(OpRegistry& registry) {
  registry.add("DFT", 17, dft());
  registry.add("STFT", 17, stft());
  registry.add("HannWindow", 17, cosine_sum_window(0.5, 0.5, 0.0));
  registry.add("HammingWindow", 17, cosine_sum_window(25.0 / 46.0, 21.0 / 46.0, 0.0));
  registry.add("BlackmanWindow", 17, cosine_sum_window(0.42, 0.5, 0.08));
  registry.add("MelWeightMatrix", 17, mel_weight_matrix());
}

}  // namespace layerscope::runtime
