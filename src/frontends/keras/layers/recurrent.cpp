// Recurrent layers: SimpleRNN, LSTM and GRU over a (batch, time, features) input.
//
// Each cell's weights are those Keras creates: kernel (features, G*units), recurrent_kernel
// (units, G*units) and bias (G*units), with G = 1, 4 (gates i, f, c, o) or 3 (z, r, h); a GRU with
// reset_after=true (TensorFlow 2's default) has two bias rows, (2, 3*units): the input's and the
// recurrent matmul's. Keras 3 keeps them under the layer's cell: cell/vars/0..2.
//
// At inference only the forward computation matters: dropout and recurrent_dropout are off,
// `unroll` only changes how TensorFlow builds the loop. A stateful layer carries its state from one
// batch to the next; layerscope runs a freshly loaded model, whose states Keras starts at zero, so
// a stateful layer runs here as on its first batch after loading (zero initial state).
#include "frontends/keras/layer_spec.h"

namespace layerscope::keras {
namespace {

// Gate blocks of a class's weights.
int64_t gates_of(const std::string& class_name) {
  if (class_name == "LSTM") return 4;
  if (class_name == "GRU") return 3;
  return 1;
}

LayerPlan recurrent(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 3);
  if (ctx.get_bool("time_major", false))
    ctx.fail("time_major=true (inputs laid out time first) is not supported");
  const int64_t units = ctx.get_int("units");
  if (units <= 0) ctx.fail("units must be positive, got " + std::to_string(units));
  if (in[2] < 0)
    ctx.fail("the feature dimension of the input must be known, got " + kshape_string(in));
  const int64_t gates = gates_of(ctx.class_name);
  const bool use_bias = ctx.get_bool("use_bias", true);
  const bool return_sequences = ctx.get_bool("return_sequences", false);
  const bool return_state = ctx.get_bool("return_state", false);
  // Keras's defaults when the config leaves them out: tanh, and sigmoid for the gates (since
  // Keras 2.3; older files always record hard_sigmoid explicitly).
  const std::string activation = ctx.has("activation") ? ctx.get_activation() : "tanh";
  const std::string recurrent_activation =
      ctx.has("recurrent_activation") ? ctx.get_activation("recurrent_activation") : "sigmoid";
  const bool reset_after = ctx.class_name == "GRU" && ctx.get_bool("reset_after", true);

  // Initial states given as tensors (a seq2seq decoder starts from its encoder's states): h, and c
  // for an LSTM, after the sequence.
  const std::size_t states = ctx.inputs.size() - 1;
  const std::size_t state_count = ctx.class_name == "LSTM" ? 2 : 1;
  if (states != 0 && states != state_count)
    ctx.fail("called with " + std::to_string(ctx.inputs.size()) +
             " tensors; expected the sequence" + " and, as initial_state, " +
             std::to_string(state_count) + " state" + (state_count == 1 ? "" : "s"));
  for (std::size_t i = 1; i < ctx.inputs.size(); ++i)
    if (ctx.inputs[i].size() != 2 || (ctx.inputs[i][1] >= 0 && ctx.inputs[i][1] != units))
      ctx.fail("initial state " + std::to_string(i) + " is " + kshape_string(ctx.inputs[i]) +
               ", expected (batch, " + std::to_string(units) + ")");

  LayerPlan plan;
  plan.attributes["initial_states"] = int_attr(static_cast<int64_t>(states));
  plan.outputs.push_back(return_sequences ? KShape{in[0], in[1], units} : KShape{in[0], units});
  if (return_state)  // [output, h] or, for an LSTM, [output, h, c]
    for (int i = 0; i < (ctx.class_name == "LSTM" ? 2 : 1); ++i)
      plan.outputs.push_back({in[0], units});
  plan.weights.push_back({"kernel", {in[2], gates * units}, "cell/vars/0"});
  plan.weights.push_back({"recurrent_kernel", {units, gates * units}, "cell/vars/1"});
  if (use_bias)
    plan.weights.push_back(
        {"bias", reset_after ? KShape{2, gates * units} : KShape{gates * units}, "cell/vars/2"});
  plan.attributes["units"] = int_attr(units);
  plan.attributes["use_bias"] = int_attr(use_bias);
  plan.attributes["return_sequences"] = int_attr(return_sequences);
  plan.attributes["return_state"] = int_attr(return_state);
  plan.attributes["go_backwards"] = int_attr(ctx.get_bool("go_backwards", false));
  plan.attributes["activation"] = string_attr(activation);
  if (ctx.class_name != "SimpleRNN")
    plan.attributes["recurrent_activation"] = string_attr(recurrent_activation);
  if (ctx.class_name == "GRU") plan.attributes["reset_after"] = int_attr(reset_after);
  return plan;
}

}  // namespace

void register_recurrent_layers(LayerSpecs& specs) {
  for (const char* name : {"SimpleRNN", "LSTM", "GRU"}) specs.add(name, recurrent);
}

}  // namespace layerscope::keras
