// RNN, GRU and LSTM: one recurrent layer, run step by step over the sequence in one or both
// directions. ONNX orders the gates differently from PyTorch (LSTM i,o,f,c; GRU z,r,h) and adds
// peepholes, clipping and configurable activations, so the time loop is written here with ATen
// matmuls rather than borrowed from at::lstm/at::gru.
#include "runtime/kernel.h"
#include "runtime/registry.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

enum class Cell { Rnn, Gru, Lstm };

// One of the activation functions the RNN ops accept, with its alpha/beta bound.
struct Activation {
  enum class Kind {
    Relu,
    Tanh,
    Sigmoid,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus
  };
  Kind kind = Kind::Tanh;
  double alpha = 0;
  double beta = 0;

  at::Tensor operator()(const at::Tensor& x) const {
    switch (kind) {
      case Kind::Relu:
        return at::relu(x);
      case Kind::Tanh:
        return at::tanh(x);
      case Kind::Sigmoid:
        return at::sigmoid(x);
      case Kind::Affine:
        return x * alpha + beta;
      case Kind::LeakyRelu:
        return at::leaky_relu(x, alpha);
      case Kind::ThresholdedRelu:
        return at::where(x > alpha, x, at::zeros_like(x));
      case Kind::ScaledTanh:
        return at::tanh(x * beta) * alpha;
      case Kind::HardSigmoid:
        return at::clamp(x * alpha + beta, 0, 1);
      case Kind::Elu:
        return at::elu(x, alpha);
      case Kind::Softsign:
        return x / (x.abs() + 1);
      case Kind::Softplus:
        return at::softplus(x);
    }
    return x;
  }
};

// Builds the activation called `name`, taking its alpha/beta from the attribute lists in order
// (only functions that have the parameter consume one) and ONNX's defaults once they run out.
Activation make_activation(const KernelInit& init, const std::string& name,
                           const std::vector<double>& alphas, std::size_t& next_alpha,
                           const std::vector<double>& betas, std::size_t& next_beta) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  using K = Activation::Kind;
  struct Known {
    const char* name;
    K kind;
    std::optional<double> alpha;  // default; nullopt if the function has no alpha
    std::optional<double> beta;
  };
  static const Known known[] = {
      {"relu", K::Relu, std::nullopt, std::nullopt},
      {"tanh", K::Tanh, std::nullopt, std::nullopt},
      {"sigmoid", K::Sigmoid, std::nullopt, std::nullopt},
      {"affine", K::Affine, 1.0, 0.0},
      {"leakyrelu", K::LeakyRelu, 0.01, std::nullopt},
      {"thresholdedrelu", K::ThresholdedRelu, 1.0, std::nullopt},
      {"scaledtanh", K::ScaledTanh, 1.0, 1.0},
      {"hardsigmoid", K::HardSigmoid, 0.2, 0.5},
      {"elu", K::Elu, 1.0, std::nullopt},
      {"softsign", K::Softsign, std::nullopt, std::nullopt},
      {"softplus", K::Softplus, std::nullopt, std::nullopt},
  };
  for (const Known& k : known) {
    if (lower != k.name) continue;
    Activation a;
    a.kind = k.kind;
    if (k.alpha) a.alpha = next_alpha < alphas.size() ? alphas[next_alpha++] : *k.alpha;
    if (k.beta) a.beta = next_beta < betas.size() ? betas[next_beta++] : *k.beta;
    return a;
  }
  fail(init, "unknown activation '" + name +
                 "'; expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, "
                 "ScaledTanh, HardSigmoid, Elu, Softsign or Softplus");
}

struct RecurrentConfig {
  Cell cell = Cell::Rnn;
  int64_t gates = 1;         // weight blocks per direction: 1, 3 or 4
  int64_t hidden_size = -1;  // from the attribute; -1 = take it from R
  int64_t directions = 1;
  bool reverse = false;      // the only direction runs backwards
  bool batch_major = false;  // layout = 1
  // activations[d][k]: function k of direction d (RNN f; GRU f, g; LSTM f, g, h)
  std::vector<std::vector<Activation>> activations;
  std::optional<double> clip;
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM
  bool want_y = true;                // whether output Y is used at all
};

RecurrentConfig parse_config(const KernelInit& init, Cell cell) {
  const Node& node = init.node;
  RecurrentConfig c;
  c.cell = cell;
  c.gates = cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 3 : 4;
  c.hidden_size = node.attr_int("hidden_size", -1);
  const std::string direction = node.attr_string("direction", "forward");
  if (direction == "bidirectional")
    c.directions = 2;
  else if (direction == "reverse")
    c.reverse = true;
  else if (direction != "forward")
    fail(init, "unknown direction '" + direction + "'; expected forward, reverse or bidirectional");
  const int64_t layout = node.attr_int("layout", 0);
  if (layout != 0 && layout != 1)
    fail(init, "layout " + std::to_string(layout) + " is invalid; expected 0 or 1");
  c.batch_major = layout == 1;
  if (node.find_attribute("clip")) {
    c.clip = node.attr_float("clip", 0.0);
    if (*c.clip <= 0) fail(init, "clip must be positive");
  }
  c.linear_before_reset = node.attr_int("linear_before_reset", 0) != 0;
  c.input_forget = node.attr_int("input_forget", 0) != 0;
  c.want_y = !node.outputs.empty() && node.outputs[0] >= 0;

  const std::vector<std::string> defaults =
      cell == Cell::Rnn   ? std::vector<std::string>{"Tanh"}
      : cell == Cell::Gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                          : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  const std::size_t per_direction = defaults.size();
  std::vector<std::string> names;
  if (const Attribute* a = node.find_attribute("activations")) names = a->strings;
  if (names.empty()) {
    for (int64_t d = 0; d < c.directions; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  } else if (names.size() == per_direction && c.directions == 2) {
    names.insert(names.end(), names.begin(), names.begin() + per_direction);
  } else if (names.size() != per_direction * c.directions) {
    fail(init, "has " + std::to_string(names.size()) + " activations; expected " +
                   std::to_string(per_direction * c.directions) + " (" +
                   std::to_string(per_direction) + " per direction)");
  }
  const std::vector<double> alphas = node.attr_floats("activation_alpha");
  const std::vector<double> betas = node.attr_floats("activation_beta");
  std::size_t next_alpha = 0;
  std::size_t next_beta = 0;
  c.activations.resize(c.directions);
  for (int64_t d = 0; d < c.directions; ++d)
    for (std::size_t k = 0; k < per_direction; ++k)
      c.activations[d].push_back(make_activation(init, names[d * per_direction + k], alphas,
                                                 next_alpha, betas, next_beta));
  return c;
}

// The tensors one direction reads, already sliced and in the compute type.
struct DirectionInputs {
  at::Tensor w;          // [gates*H, input]
  at::Tensor r;          // [gates*H, H]
  at::Tensor w_bias;     // [gates*H]
  at::Tensor r_bias;     // [gates*H]
  at::Tensor peephole;   // [3*H] or undefined
  at::Tensor initial_h;  // [batch, H]
  at::Tensor initial_c;  // [batch, H] (LSTM)
};

struct DirectionResult {
  std::vector<at::Tensor> steps;  // per time step [batch, H], in time order (if Y is wanted)
  at::Tensor last_h;
  at::Tensor last_c;
};

// Runs one direction over x [seq, batch, input]. `valid` holds, per step, the [batch, 1] mask of
// sequences still running (empty when all sequences span the whole input).
DirectionResult run_direction(const RecurrentConfig& c, const std::vector<Activation>& act,
                              const DirectionInputs& in, const at::Tensor& x, bool backwards,
                              const std::vector<at::Tensor>& valid) {
  const int64_t seq = x.size(0);
  const int64_t hidden = in.r.size(1);
  auto clip = [&c](const at::Tensor& t) { return c.clip ? t.clamp(-*c.clip, *c.clip) : t; };

  // Input projections of every step in one matmul, with every bias that sits outside the
  // recurrence folded in. GRU with linear_before_reset keeps the hidden gate's recurrent bias
  // inside: h = g(x Wh + r * (H Rh + Rbh) + Wbh).
  at::Tensor input_bias = in.w_bias + in.r_bias;
  at::Tensor recurrent_bias;  // added to H R^T each step (GRU linear_before_reset only)
  if (c.cell == Cell::Gru && c.linear_before_reset) {
    recurrent_bias = at::zeros_like(in.r_bias);
    recurrent_bias.narrow(0, 2 * hidden, hidden).copy_(in.r_bias.narrow(0, 2 * hidden, hidden));
    input_bias = in.w_bias + in.r_bias - recurrent_bias;
  }
  const at::Tensor projected = at::matmul(x, in.w.t()) + input_bias;  // [seq, batch, gates*H]
  const at::Tensor r_t = in.r.t();                                    // [H, gates*H]

  at::Tensor p_i, p_o, p_f;
  if (in.peephole.defined()) {
    p_i = in.peephole.narrow(0, 0, hidden);
    p_o = in.peephole.narrow(0, hidden, hidden);
    p_f = in.peephole.narrow(0, 2 * hidden, hidden);
  }

  DirectionResult result;
  if (c.want_y) result.steps.resize(seq);
  at::Tensor h = in.initial_h;
  at::Tensor cell_state = in.initial_c;
  for (int64_t k = 0; k < seq; ++k) {
    const int64_t t = backwards ? seq - 1 - k : k;
    const at::Tensor xt = projected[t];  // [batch, gates*H]
    at::Tensor h_new;
    at::Tensor c_new;
    switch (c.cell) {
      case Cell::Rnn:
        h_new = act[0](clip(at::addmm(xt, h, r_t)));
        break;
      case Cell::Gru: {
        const at::Tensor x_zr = xt.narrow(1, 0, 2 * hidden);
        const at::Tensor x_h = xt.narrow(1, 2 * hidden, hidden);
        at::Tensor z, r, candidate;
        if (c.linear_before_reset) {
          const at::Tensor hr = at::addmm(recurrent_bias, h, r_t);  // all three gates at once
          const at::Tensor zr = act[0](clip(x_zr + hr.narrow(1, 0, 2 * hidden)));
          z = zr.narrow(1, 0, hidden);
          r = zr.narrow(1, hidden, hidden);
          candidate = act[1](clip(x_h + r * hr.narrow(1, 2 * hidden, hidden)));
        } else {
          const at::Tensor zr = act[0](clip(at::addmm(x_zr, h, r_t.narrow(1, 0, 2 * hidden))));
          z = zr.narrow(1, 0, hidden);
          r = zr.narrow(1, hidden, hidden);
          candidate = act[1](clip(at::addmm(x_h, r * h, r_t.narrow(1, 2 * hidden, hidden))));
        }
        h_new = (1 - z) * candidate + z * h;
        break;
      }
      case Cell::Lstm: {
        const at::Tensor g = at::addmm(xt, h, r_t);  // [batch, 4H] in order i, o, f, c
        at::Tensor gi = g.narrow(1, 0, hidden);
        at::Tensor go = g.narrow(1, hidden, hidden);
        at::Tensor gf = g.narrow(1, 2 * hidden, hidden);
        const at::Tensor gc = g.narrow(1, 3 * hidden, hidden);
        if (p_i.defined()) {
          gi = gi + p_i * cell_state;
          gf = gf + p_f * cell_state;
        }
        const at::Tensor i = act[0](clip(gi));
        const at::Tensor f = c.input_forget ? 1 - i : act[0](clip(gf));
        c_new = f * cell_state + i * act[1](clip(gc));
        if (p_o.defined()) go = go + p_o * c_new;
        const at::Tensor o = act[0](clip(go));
        h_new = o * act[2](c_new);
        break;
      }
    }
    if (!valid.empty()) {
      // Finished sequences keep their last state and output zeros.
      const at::Tensor& running = valid[t];
      if (c.want_y) result.steps[t] = at::where(running, h_new, at::zeros_like(h_new));
      h = at::where(running, h_new, h);
      if (c_new.defined()) cell_state = at::where(running, c_new, cell_state);
    } else {
      if (c.want_y) result.steps[t] = h_new;
      h = h_new;
      if (c_new.defined()) cell_state = c_new;
    }
  }
  result.last_h = h;
  result.last_c = cell_state;
  return result;
}

KernelFactory recurrent_factory(Cell cell) {
  return [cell](const KernelInit& init) -> Kernel {
    const RecurrentConfig c = parse_config(init, cell);
    const std::string where = init.where();
    const std::size_t output_count = init.node.outputs.size();
    return [c, where, output_count](KernelContext& ctx) -> Tensors {
      auto bad = [&where](const std::string& what) { return Error(where + ": " + what); };
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor& w = ctx.inputs.at(1);
      const at::Tensor& r = ctx.inputs.at(2);
      const at::ScalarType type = x_in.scalar_type();
      if (!at::isFloatingType(type)) throw bad("X must be a float tensor");
      // float16 matmuls are missing on CPU in ATen 1.13: compute in float and round at the end.
      const at::ScalarType compute = type == at::kDouble ? at::kDouble : at::kFloat;
      if (x_in.dim() != 3) throw bad("X has rank " + std::to_string(x_in.dim()) + "; expected 3");
      if (w.dim() != 3 || r.dim() != 3) throw bad("W and R must have rank 3");
      const int64_t hidden = r.size(2);
      if (c.hidden_size >= 0 && c.hidden_size != hidden)
        throw bad("R has hidden size " + std::to_string(hidden) + " but hidden_size is " +
                  std::to_string(c.hidden_size));
      if (w.size(0) != c.directions || r.size(0) != c.directions || w.size(1) != c.gates * hidden ||
          r.size(1) != c.gates * hidden)
        throw bad("W " + c10::str(w.sizes()) + " / R " + c10::str(r.sizes()) + " do not match " +
                  std::to_string(c.directions) + " direction(s) of " + std::to_string(c.gates) +
                  " gates with hidden size " + std::to_string(hidden));

      // Work in [seq, batch, ...] whatever the layout.
      const at::Tensor x = (c.batch_major ? x_in.transpose(0, 1) : x_in).to(compute);
      const int64_t seq = x.size(0);
      const int64_t batch = x.size(1);
      if (w.size(2) != x.size(2))
        throw bad("X has input size " + std::to_string(x.size(2)) + " but W expects " +
                  std::to_string(w.size(2)));
      auto state_input = [&](std::size_t index, const char* name) -> at::Tensor {
        if (!ctx.has(index)) return at::zeros({c.directions, batch, hidden}, x.options());
        at::Tensor s = ctx.inputs[index];
        if (c.batch_major) s = s.transpose(0, 1);
        if (s.dim() != 3 || s.size(0) != c.directions || s.size(1) != batch || s.size(2) != hidden)
          throw bad(std::string(name) + " has shape " + c10::str(ctx.inputs[index].sizes()) +
                    "; expected directions x batch x hidden in the node's layout");
        return s.to(compute);
      };
      const at::Tensor initial_h = state_input(5, "initial_h");
      const at::Tensor initial_c =
          c.cell == Cell::Lstm ? state_input(6, "initial_c") : at::Tensor();
      at::Tensor bias;
      if (ctx.has(3)) {
        bias = ctx.inputs[3].to(compute);
        if (bias.dim() != 2 || bias.size(0) != c.directions || bias.size(1) != 2 * c.gates * hidden)
          throw bad("B has shape " + c10::str(bias.sizes()) + "; expected [" +
                    std::to_string(c.directions) + ", " + std::to_string(2 * c.gates * hidden) +
                    "]");
      }
      at::Tensor peephole;
      if (c.cell == Cell::Lstm && ctx.has(7)) {
        peephole = ctx.inputs[7].to(compute);
        if (peephole.dim() != 2 || peephole.size(0) != c.directions ||
            peephole.size(1) != 3 * hidden)
          throw bad("P has shape " + c10::str(peephole.sizes()) + "; expected [" +
                    std::to_string(c.directions) + ", " + std::to_string(3 * hidden) + "]");
      }

      // Per-step masks of the sequences still running, only when some end early.
      std::vector<at::Tensor> valid;
      if (ctx.has(4)) {
        const std::vector<int64_t> lengths = to_int64_vector(ctx.inputs[4].reshape({-1}));
        if (static_cast<int64_t>(lengths.size()) != batch)
          throw bad("sequence_lens has " + std::to_string(lengths.size()) +
                    " entries; expected one per batch item (" + std::to_string(batch) + ")");
        for (int64_t len : lengths)
          if (len < 0 || len > seq)
            throw bad("sequence_lens entry " + std::to_string(len) + " is outside [0, " +
                      std::to_string(seq) + "]");
        if (std::any_of(lengths.begin(), lengths.end(), [seq](int64_t l) { return l < seq; })) {
          const at::Tensor length_column =
              at::tensor(lengths, at::TensorOptions().dtype(at::kLong)).view({batch, 1});
          for (int64_t t = 0; t < seq; ++t) valid.push_back(length_column > t);
        }
      }

      std::vector<at::Tensor> y_parts, h_parts, c_parts;
      for (int64_t d = 0; d < c.directions; ++d) {
        DirectionInputs in;
        in.w = w[d].to(compute);
        in.r = r[d].to(compute);
        if (bias.defined()) {
          in.w_bias = bias[d].narrow(0, 0, c.gates * hidden);
          in.r_bias = bias[d].narrow(0, c.gates * hidden, c.gates * hidden);
        } else {
          in.w_bias = at::zeros({c.gates * hidden}, x.options());
          in.r_bias = in.w_bias;
        }
        if (peephole.defined()) in.peephole = peephole[d];
        in.initial_h = initial_h[d];
        if (initial_c.defined()) in.initial_c = initial_c[d];
        const bool backwards = c.reverse || d == 1;
        DirectionResult out = run_direction(c, c.activations[d], in, x, backwards, valid);
        if (c.want_y)
          y_parts.push_back(seq > 0 ? at::stack(out.steps, 0)
                                    : at::empty({0, batch, hidden}, x.options()));
        h_parts.push_back(out.last_h);
        if (out.last_c.defined()) c_parts.push_back(out.last_c);
      }

      // Y [seq, directions, batch, H], Y_h / Y_c [directions, batch, H]; layout 1 puts batch first.
      Tensors outputs(output_count);
      auto finish = [&](at::Tensor t, bool is_y) {
        if (c.batch_major) t = is_y ? t.permute({2, 0, 1, 3}) : t.transpose(0, 1);
        return t.to(type).contiguous();
      };
      if (c.want_y && output_count > 0) outputs[0] = finish(at::stack(y_parts, 1), true);
      if (output_count > 1) outputs[1] = finish(at::stack(h_parts, 0), false);
      if (output_count > 2 && c.cell == Cell::Lstm)
        outputs[2] = finish(at::stack(c_parts, 0), false);
      return outputs;
    };
  };
}

}  // namespace

void register_recurrent_ops(OpRegistry& registry) {
  // Opset 7 dropped the output_sequence attribute; 14 added layout (read whatever the opset).
  registry.add("RNN", 7, recurrent_factory(Cell::Rnn));
  registry.add("GRU", 7, recurrent_factory(Cell::Gru));
  registry.add("LSTM", 7, recurrent_factory(Cell::Lstm));
}

}  // namespace layerscope::runtime
