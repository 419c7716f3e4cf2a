// Kernels of Keras's SimpleRNN, LSTM and GRU over (batch, time, features) inputs, with Keras's
// equations, gate orders and activations (frontends/keras/layers/recurrent.cpp sets the
// attributes). The input projections of all steps are one matmul; the loop over time then does
// one recurrent matmul per step, as the ONNX recurrent kernels (ops/recurrent.cpp) do.
//
//   SimpleRNN  h = act(x W + b + h U)
//   LSTM       [i f c o] = x W + b + h U;  c = ra(f) c + ra(i) act(c~);  h = ra(o) act(c)
//   GRU        [z r h] gates, h = z h_prev + (1 - z) h~, with
//              reset_after:  h~ = act(x Wh + bi_h + ra(r) (h Uh + br_h))   (bias rows bi, br)
//              otherwise:    h~ = act(x Wh + b_h + (ra(r) h) Uh)
//
// Outputs: the last h, or every step's h with return_sequences (in the order the steps ran, so
// reversed with go_backwards, as Keras returns them); then with return_state h (and c).
#include "runtime/ops/keras/activation.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::activate;
using keras::activation_of;
using keras::ActivationFn;
using keras::add_op;

enum class Cell { Simple, Lstm, Gru };

// Everything a layer needs at run time, prepared at load.
struct Recurrent {
  Cell cell = Cell::Simple;
  int64_t units = 0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool reset_after = false;  // GRU
  ActivationFn act;
  ActivationFn recurrent_act;
  at::Tensor kernel;          // (features, G*units)
  at::Tensor input_bias;      // (G*units) added to x W; undefined without bias
  at::Tensor recurrent;       // (units, G*units); GRU without reset_after: z and r columns only
  at::Tensor recurrent_h;     // GRU without reset_after: (units, units), the h~ columns
  at::Tensor recurrent_bias;  // GRU with reset_after: (3*units) added to h U

  at::Tensor step(const at::Tensor& xt, const at::Tensor& h, at::Tensor& c) const;
  // h0 and c0: the initial states, or undefined for zeros. ids: the token ids behind Keras's
  // mask (steps whose id is 0 are padding), or undefined.
  Tensors run(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
              const at::Tensor& ids) const;
};

// One step from the projected input xt (batch, G*units) and the previous h (and c for an LSTM,
// updated in place of the variable, never of the tensor); returns the new h.
at::Tensor Recurrent::step(const at::Tensor& xt, const at::Tensor& h, at::Tensor& c) const {
  const int64_t u = units;
  switch (cell) {
    case Cell::Simple:
      return activate(act, at::addmm(xt, h, recurrent));
    case Cell::Lstm: {
      const at::Tensor g = at::addmm(xt, h, recurrent);  // i, f, c~, o
      // The gate activation over all four blocks in one call (the c~ block's result unused):
      // fewer ATen calls per step than one per gate.
      const at::Tensor gates = activate(recurrent_act, g);
      c = gates.narrow(1, u, u) * c + gates.narrow(1, 0, u) * activate(act, g.narrow(1, 2 * u, u));
      return gates.narrow(1, 3 * u, u) * activate(act, c);
    }
    case Cell::Gru: {
      at::Tensor zr, candidate;
      if (reset_after) {
        const at::Tensor inner = recurrent_bias.defined() ? at::addmm(recurrent_bias, h, recurrent)
                                                          : at::mm(h, recurrent);
        zr = activate(recurrent_act, xt.narrow(1, 0, 2 * u) + inner.narrow(1, 0, 2 * u));
        candidate =
            activate(act, xt.narrow(1, 2 * u, u) + zr.narrow(1, u, u) * inner.narrow(1, 2 * u, u));
      } else {
        zr = activate(recurrent_act, at::addmm(xt.narrow(1, 0, 2 * u), h, recurrent));
        candidate =
            activate(act, at::addmm(xt.narrow(1, 2 * u, u), zr.narrow(1, u, u) * h, recurrent_h));
      }
      // z h + (1 - z) h~ = h~ + z (h - h~)
      return at::lerp(candidate, h, zr.narrow(1, 0, u));
    }
  }
  return h;
}

Tensors Recurrent::run(const at::Tensor& x_in, const at::Tensor& h0, const at::Tensor& c0,
                       const at::Tensor& ids) const {
  const at::Tensor x = x_in.scalar_type() == at::kFloat ? x_in : x_in.to(at::kFloat);
  const int64_t batch = x.size(0), steps = x.size(1), features = x.size(2);
  const at::Tensor flat = x.reshape({batch * steps, features});
  const at::Tensor projected =
      (input_bias.defined() ? at::addmm(input_bias, flat, kernel) : at::mm(flat, kernel))
          .view({batch, steps, -1});
  auto initial = [&](const at::Tensor& given) {
    if (!given.defined()) return at::zeros({batch, units}, x.options());
    return given.to(at::kFloat).expand({batch, units}).clone();
  };
  at::Tensor h = initial(h0);
  at::Tensor c = cell == Cell::Lstm ? initial(c0) : at::Tensor();
  at::Tensor sequence =
      return_sequences ? at::empty({batch, steps, units}, x.options()) : at::Tensor();
  if (!ids.defined()) {
    for (int64_t k = 0; k < steps; ++k) {
      const int64_t t = go_backwards ? steps - 1 - k : k;
      h = step(projected.select(1, t), h, c);
      if (return_sequences) sequence.select(1, k).copy_(h);
    }
    Tensors out{return_sequences ? sequence : h};
    if (return_state) {
      out.push_back(h);
      if (cell == Cell::Lstm) out.push_back(c);
    }
    return out;
  }
  // Masked (Keras's rnn with a mask): a padded step keeps the states and repeats the previous
  // step's output (zeros before the first real step).
  const at::Tensor keep = (ids.to(at::kLong) != 0).unsqueeze(2);  // (batch, time, 1)
  at::Tensor output = at::zeros({batch, units}, x.options());
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t t = go_backwards ? steps - 1 - k : k;
    const at::Tensor m = keep.select(1, t);
    const at::Tensor c_before = c;
    const at::Tensor h_new = step(projected.select(1, t), h, c);
    h = at::where(m, h_new, h);
    if (cell == Cell::Lstm) c = at::where(m, c, c_before);
    output = at::where(m, h_new, output);
    if (return_sequences) sequence.select(1, k).copy_(output);
  }
  Tensors out{return_sequences ? sequence : output};
  if (return_state) {
    out.push_back(h);
    if (cell == Cell::Lstm) out.push_back(c);
  }
  return out;
}

at::Tensor weight(const KernelInit& init, std::size_t input, const char* name) {
  at::Tensor w = init.constant_input(input);
  if (!w.defined()) fail(init, std::string("its ") + name + " is not a constant of the model");
  return w.to(at::kFloat).contiguous();
}

KernelFactory recurrent(Cell cell) {
  return [cell](const KernelInit& init) -> Kernel {
    const Node& node = init.node;
    Recurrent r;
    r.cell = cell;
    r.units = node.attr_int("units", 0);
    r.return_sequences = node.attr_int("return_sequences", 0) != 0;
    r.return_state = node.attr_int("return_state", 0) != 0;
    r.go_backwards = node.attr_int("go_backwards", 0) != 0;
    r.reset_after = cell == Cell::Gru && node.attr_int("reset_after", 1) != 0;
    r.act = activation_of(init, "activation");
    r.recurrent_act = activation_of(init, "recurrent_activation");
    const int64_t u = r.units;
    const int64_t gates = cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1;
    // Weights follow the sequence and the initial states, if any.
    const int64_t states = node.attr_int("initial_states", 0);
    // The mask's token ids, when an Embedding(mask_zero=True) feeds the sequence.
    const int64_t mask_input = node.attr_int("mask_input", 0);
    const std::size_t first = 1 + static_cast<std::size_t>(states) + (mask_input > 0 ? 1 : 0);
    r.kernel = weight(init, first, "kernel");
    const at::Tensor recurrent = weight(init, first + 1, "recurrent_kernel");
    if (u <= 0 || r.kernel.dim() != 2 || r.kernel.size(1) != gates * u ||
        recurrent.sizes() != at::IntArrayRef({u, gates * u}))
      fail(init, "weights kernel " + c10::str(r.kernel.sizes()) + " and recurrent_kernel " +
                     c10::str(recurrent.sizes()) + " do not fit " + std::to_string(u) + " units");
    if (node.attr_int("use_bias", 1)) {
      const at::Tensor bias = weight(init, first + 2, "bias");
      if (r.reset_after) {
        r.input_bias = bias[0].contiguous();
        r.recurrent_bias = bias[1].contiguous();
      } else {
        r.input_bias = bias;
      }
    }
    if (cell == Cell::Gru && !r.reset_after) {
      r.recurrent = recurrent.narrow(1, 0, 2 * u).contiguous();
      r.recurrent_h = recurrent.narrow(1, 2 * u, u).contiguous();
    } else {
      r.recurrent = recurrent;
    }
    return [r, states, mask_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 3 || x.size(2) != r.kernel.size(0))
        throw Error(where + ": input " + c10::str(x.sizes()) + " is not (batch, time, " +
                    std::to_string(r.kernel.size(0)) + ")");
      for (int64_t i = 1; i <= states; ++i) {
        const at::Tensor& s = ctx.inputs.at(i);
        if (s.dim() != 2 || s.size(1) != r.units || (s.size(0) != x.size(0) && s.size(0) != 1))
          throw Error(where + ": initial state " + c10::str(s.sizes()) + " is not (" +
                      std::to_string(x.size(0)) + ", " + std::to_string(r.units) + ")");
      }
      at::Tensor ids;
      if (mask_input > 0) {
        ids = ctx.inputs.at(static_cast<std::size_t>(mask_input));
        if (ids.dim() != 2 || ids.size(0) != x.size(0) || ids.size(1) != x.size(1))
          throw Error(where + ": the mask's ids " + c10::str(ids.sizes()) +
                      " do not match the sequence " + c10::str(x.sizes()));
      }
      return r.run(x, states > 0 ? ctx.inputs.at(1) : at::Tensor(),
                   states > 1 ? ctx.inputs.at(2) : at::Tensor(), ids);
    };
  };
}

}  // namespace

void register_keras_recurrent_ops(OpRegistry& registry) {
  add_op(registry, "SimpleRNN", recurrent(Cell::Simple));
  add_op(registry, "LSTM", recurrent(Cell::Lstm));
  add_op(registry, "GRU", recurrent(Cell::Gru));
}

}  // namespace layerscope::runtime
