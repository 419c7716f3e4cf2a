#pragma once
// Lays a Keras model out as the graph IR: each layer call becomes one node in domain "keras" named
// as the layer (`outer/inner` inside a nested model, `name@1` for a shared layer's second call,
// the nested model itself a node too), its tensors in Keras's layout with the shapes the layer
// specs (layer_spec.h) give, its weights from `store` checked against them.
//
// Every layer class that cannot run is listed in one error before anything is built.
#include "frontends/keras/keras_config.h"
#include "frontends/keras/keras_weights.h"

#include <layerscope/graph.h>

#include <string>

namespace layerscope::keras {

// Fills `graph` (values, nodes, inputs, outputs) from the top-level container. `file` names the
// model in errors; `keras_major` (2 or 3) is the opset of domain "keras".
void build_graph(const Container& top, const std::string& file, int keras_major, WeightStore& store,
                 Graph& graph);

}  // namespace layerscope::keras
