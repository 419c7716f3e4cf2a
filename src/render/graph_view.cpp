// Graph IR -> GraphView (see graph_view.h). Reads only the format-neutral IR.
#include "render/graph_view.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <optional>
#include <regex>
#include <set>
#include <tuple>
#include <unordered_map>

namespace layerscope::render {
namespace {

const char* const kEllipsis = "\xE2\x80\xA6";     // …
const char* const kTimes = "\xC3\x97";            // ×
const char* const kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string sanitize_text(const std::string& text, std::size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars * 3 + 3));
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t chars = 0;
  std::size_t cut_at = 0;  // output size before the last character that fits with the ellipsis
  for (std::size_t i = 0; i < size; ++chars) {
    if (max_chars && chars == max_chars) {  // one character too many: end in "…"
      out.resize(cut_at);
      return out + kEllipsis;
    }
    if (max_chars && chars + 1 == max_chars) cut_at = out.size();
    const unsigned char c = bytes[i];
    const std::size_t length = c < 0x80           ? 1
                               : (c >> 5) == 0x6  ? 2
                               : (c >> 4) == 0xE  ? 3
                               : (c >> 3) == 0x1E ? 4
                                                  : 0;
    bool valid = length > 0 && i + length <= size;
    uint32_t code = 0;
    if (valid) {
      code = length == 1 ? c : c & (0x7F >> length);
      for (std::size_t k = 1; k < length && valid; ++k) {
        valid = (bytes[i + k] & 0xC0) == 0x80;
        code = (code << 6) | (bytes[i + k] & 0x3F);
      }
      // Overlong forms, surrogates and code points past Unicode are invalid too.
      static const uint32_t min_code[] = {0, 0, 0x80, 0x800, 0x10000};
      valid = valid && code >= min_code[length] && !(code >= 0xD800 && code <= 0xDFFF) &&
              code <= 0x10FFFF;
    }
    if (!valid) {
      out += kReplacement;
      i += 1;
      continue;
    }
    if (code == '\t' || code == '\n' || code == '\r')
      out += ' ';
    else if (code < 0x20 || code == 0x7F || (code >= 0x80 && code < 0xA0))
      out += kReplacement;
    else
      out.append(text, i, length);
    i += length;
  }
  return out;
}

std::string shape_label(const std::optional<StaticShape>& shape) {
  if (!shape) return "?";
  if (shape->empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape->size(); ++i) {
    if (i) s += kTimes;
    s += (*shape)[i].to_string();
  }
  return s;
}

namespace {

std::string join_ints(const std::vector<int64_t>& values, const char* separator) {
  std::string s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) s += separator;
    s += std::to_string(values[i]);
    if (s.size() > 200) return s + kEllipsis;
  }
  return s;
}

std::string format_double(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

// "2" when every entry is the same, else "2,1".
std::string uniform_or_list(const std::vector<int64_t>& values) {
  if (!values.empty() &&
      std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == values.front(); }))
    return std::to_string(values.front());
  return join_ints(values, ",");
}

std::string tensor_text(const Tensor& t) {
  if (!t.defined()) return "?";
  // Values where they say more than the shape: scalars, and short integer lists (shapes, axes).
  const bool integer =
      t.dtype() == DType::Int64 || t.dtype() == DType::Int32 || t.dtype() == DType::Int8 ||
      t.dtype() == DType::UInt8 || t.dtype() == DType::Int16 || t.dtype() == DType::UInt16 ||
      t.dtype() == DType::UInt32 || t.dtype() == DType::UInt64 || t.dtype() == DType::Bool;
  const bool numeric =
      t.dtype() != DType::String && t.dtype() != DType::Complex64 && t.dtype() != DType::Complex128;
  if (numeric && (t.numel() == 1 || (integer && t.numel() <= 8))) {
    std::string s = t.rank() == 0 ? "" : "[";
    const std::vector<double> values = to_doubles(t);
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + format_double(values[i]);
    return s + (t.rank() == 0 ? "" : "]");
  }
  return t.rank() == 0 ? "scalar" : join_ints(t.shape(), kTimes);
}

std::string attribute_value_text(const Attribute& a) {
  using Kind = Attribute::Kind;
  switch (a.kind) {
    case Kind::Int:
      return std::to_string(a.i);
    case Kind::Float:
      return format_double(a.f);
    case Kind::String:
      return a.s;
    case Kind::Ints:
      return "[" + join_ints(a.ints, ",") + "]";
    case Kind::Floats: {
      std::string s = "[";
      for (std::size_t i = 0; i < a.floats.size() && s.size() < 200; ++i)
        s += (i ? "," : "") + format_double(a.floats[i]);
      return s + "]";
    }
    case Kind::Strings: {
      std::string s = "[";
      for (std::size_t i = 0; i < a.strings.size() && s.size() < 200; ++i)
        s += (i ? "," : "") + a.strings[i].substr(0, 200);
      return s + "]";
    }
    case Kind::Tensor:
      return "tensor " + dtype_name(a.t.dtype()) + " " + tensor_text(a.t);
    case Kind::Tensors:
      return std::to_string(a.tensors.size()) + " tensors";
    case Kind::Graph:
    case Kind::Graphs:
      return "";
  }
  return "";
}

// The spatial attributes of convolutions and pools on one line; defaults left out.
std::string spatial_line(const Node& node, std::set<std::string>& shown) {
  std::vector<std::string> parts;
  auto ints = [&](const char* name) -> std::vector<int64_t> {
    const Attribute* a = node.find_attribute(name);
    if (!a || a->kind != Attribute::Kind::Ints) return {};
    shown.insert(name);
    return a->ints;
  };
  const auto kernel = ints("kernel_shape");
  if (!kernel.empty()) parts.push_back("kernel " + join_ints(kernel, kTimes));
  const auto strides = ints("strides");
  if (!strides.empty() && uniform_or_list(strides) != "1")
    parts.push_back("stride " + uniform_or_list(strides));
  const auto pads = ints("pads");
  if (!pads.empty() && uniform_or_list(pads) != "0")
    parts.push_back("pad " + uniform_or_list(pads));
  const auto dilations = ints("dilations");
  if (!dilations.empty() && uniform_or_list(dilations) != "1")
    parts.push_back("dilation " + uniform_or_list(dilations));
  if (const Attribute* g = node.find_attribute("group"); g && g->kind == Attribute::Kind::Int) {
    shown.insert("group");
    if (g->i != 1) parts.push_back("groups " + std::to_string(g->i));
  }
  std::string line;
  for (const auto& p : parts) line += (line.empty() ? "" : ", ") + p;
  return line;
}

// What a folded Constant node holds, as text.
std::string constant_text(const Node& node) {
  for (const auto& [name, a] : node.attributes) {
    if (name == "value" && a.kind == Attribute::Kind::Tensor) return tensor_text(a.t);
    if (a.kind == Attribute::Kind::Graph || a.kind == Attribute::Kind::Graphs) continue;
    return attribute_value_text(a);
  }
  return "?";
}

enum class EntryKind { Op, Input, Output };

// A thing that becomes a box when its group is open: an op, a graph (or body) input, an output.
struct Entry {
  EntryKind kind = EntryKind::Op;
  const Graph* graph = nullptr;
  const Node* node = nullptr;  // Op
  int value = -1;              // Input/Output: value index in `graph`
  int group = 0;
  int item = -1;  // the item drawn for it, or for the box it is folded into
};

// Where a value comes from: an entry, or a folded constant (described by `text`), or nothing.
struct Source {
  int entry = -1;
  bool folded = false;
  std::string text;
};

// Values of one graph, and the graph around it for names read from outer scopes.
struct Scope {
  const Graph* graph = nullptr;
  std::vector<Source> sources;
  const Scope* outer = nullptr;

  const Source* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->outer) {
      const int v = s->graph->find_value(name);
      if (v >= 0 && s->graph->values[v].kind != ValueKind::OuterScope) return &s->sources[v];
    }
    return nullptr;
  }
  const Source* source(int v) const {
    if (v < 0) return nullptr;
    const Value& value = graph->values[v];
    if (value.kind == ValueKind::OuterScope) return outer ? outer->find(value.name) : nullptr;
    return &sources[v];
  }
};

struct Child {
  bool is_group;
  int index;
};

class ViewBuilder {
 public:
  explicit ViewBuilder(const ViewOptions& options)
      : options_(options),
        expand_(compile(options.expand, "--expand")),
        highlight_(compile(options.highlight, "--highlight")) {}

  GraphView build(const Graph& graph) {
    view_.name = sanitize_text(graph.name, options_.max_line_chars);
    add_group("", "", "", -1);
    root_scope_.graph = &graph;
    collect(graph, root_scope_, 0, /*main_graph=*/true);
    children_[0] = simplify_children(0);
    split_wide_groups(0);
    compact_groups();
    assign_levels(0, 0);
    count_ops();
    choose_depth();
    mark_expanded();
    make_items();
    make_edges();
    label_boxes();
    return std::move(view_);
  }

 private:
  static std::optional<std::regex> compile(const std::string& pattern, const char* what) {
    if (pattern.empty()) return std::nullopt;
    try {
      return std::regex(pattern);
    } catch (const std::regex_error& e) {
      throw Error(std::string(what) + ": bad regular expression '" + pattern + "': " + e.what());
    }
  }

  int add_group(const std::string& name, const std::string& path, const std::string& scope,
                int parent) {
    ViewGroup g;
    g.name = name;
    g.path = path;
    g.parent = parent;
    view_.groups.push_back(std::move(g));
    group_scope_.push_back(scope);
    children_.emplace_back();
    named_children_.emplace_back();
    const int index = static_cast<int>(view_.groups.size() - 1);
    if (parent >= 0) children_[parent].push_back({true, index});
    return index;
  }

  // The group for a '/'-separated scope below `base`, created on first use.
  int group_for_scope(int base, const std::string& scope) {
    int g = base;
    std::size_t start = 0;
    while (start < scope.size()) {
      std::size_t end = scope.find('/', start);
      if (end == std::string::npos) end = scope.size();
      const std::string component = scope.substr(start, end - start);
      start = end + 1;
      if (component.empty()) continue;
      auto& named = named_children_[g];
      auto it = named.find(component);
      if (it != named.end()) {
        g = it->second;
        continue;
      }
      const std::string& parent_path = view_.groups[g].path;
      const std::string path = parent_path.empty() ? component : parent_path + "/" + component;
      const std::string& parent_scope = group_scope_[g];
      const std::string child_scope =
          parent_scope.empty() ? component : parent_scope + "/" + component;
      const int child = add_group(component, path, child_scope, g);
      named_children_[g].emplace(component, child);
      g = child;
    }
    return g;
  }

  int add_entry(Entry e) {
    entries_.push_back(e);
    const int index = static_cast<int>(entries_.size() - 1);
    children_[e.group].push_back({false, index});
    return index;
  }

  // A graph input or output box for value `v`.
  int add_value_entry(EntryKind kind, const Graph& graph, int v, int group) {
    Entry e;
    e.kind = kind;
    e.graph = &graph;
    e.value = v;
    e.group = group;
    return add_entry(e);
  }

  // Walks a graph (and the bodies of its control-flow nodes) into entries and groups.
  void collect(const Graph& graph, Scope& scope, int base_group, bool main_graph) {
    scope.sources.assign(graph.values.size(), Source{});
    std::set<int> outputs(graph.outputs.begin(), graph.outputs.end());
    for (std::size_t v = 0; v < graph.values.size(); ++v) {
      const Value& value = graph.values[v];
      if (value.kind == ValueKind::Initializer) {
        scope.sources[v].folded = true;
        scope.sources[v].text = tensor_text(value.data);
      }
    }
    for (int v : graph.inputs) {
      scope.sources[v].entry = add_value_entry(EntryKind::Input, graph, v, base_group);
    }
    for (const Node& node : graph.nodes) {
      const bool constant = node.op_type == "Constant" && node.domain.empty() &&
                            node.outputs.size() == 1 && node.outputs[0] >= 0 &&
                            !outputs.count(node.outputs[0]);
      if (constant) {
        scope.sources[node.outputs[0]].folded = true;
        scope.sources[node.outputs[0]].text = constant_text(node);
        ++view_.folded_count;
        continue;
      }
      const int group = group_for_scope(base_group, node.scope);
      std::vector<std::size_t> node_bodies;
      // Bodies first: their results flow into the node.
      for (const auto& [attr_name, a] : node.attributes) {
        std::vector<std::shared_ptr<const Graph>> bodies;
        if (a.kind == Attribute::Kind::Graph && a.g) bodies.push_back(a.g);
        if (a.kind == Attribute::Kind::Graphs) bodies = a.graphs;
        for (std::size_t b = 0; b < bodies.size(); ++b) {
          std::string short_name = node.name.substr(node.name.rfind('/') + 1);
          std::string name = short_name + "." + attr_name;
          if (bodies.size() > 1) name += "[" + std::to_string(b) + "]";
          const std::string& parent_path = view_.groups[group].path;
          const int body_group =
              add_group(name, parent_path.empty() ? name : parent_path + "/" + name, "", group);
          view_.groups[body_group].subgraph = true;
          body_scopes_.emplace_back();
          Scope& body = body_scopes_.back();
          body.graph = bodies[b].get();
          body.outer = &scope;
          node_bodies.push_back(bodies_.size());
          bodies_.push_back({bodies[b].get(), &body, -1});
          collect(*bodies[b], body, body_group, false);
        }
      }
      Entry e;
      e.graph = &graph;
      e.node = &node;
      e.group = group;
      const int entry = add_entry(e);
      for (std::size_t b : node_bodies) bodies_[b].control_entry = entry;
      for (int out : node.outputs)
        if (out >= 0) scope.sources[out].entry = entry;
      ++view_.op_count;
    }
    if (main_graph) {
      for (int v : graph.outputs) {
        add_value_entry(EntryKind::Output, graph, v, base_group);
      }
    }
  }

  // Dissolves groups that hold one thing and merges chains of single groups; returns the new
  // children list of `g`.
  std::vector<Child> simplify_children(int g) {
    std::vector<Child> result;
    for (Child c : children_[g]) {
      if (!c.is_group) {
        result.push_back(c);
        entries_[c.index].group = g;
        continue;
      }
      children_[c.index] = simplify_children(c.index);
      ViewGroup& child = view_.groups[c.index];
      const auto& grandchildren = children_[c.index];
      if (!child.subgraph && grandchildren.size() == 1 &&
          !(grandchildren[0].is_group && view_.groups[grandchildren[0].index].subgraph)) {
        const Child only = grandchildren[0];
        if (only.is_group) {
          ViewGroup& merged = view_.groups[only.index];
          merged.name = child.name + "/" + merged.name;
          merged.parent = g;
        } else {
          entries_[only.index].group = g;
        }
        result.push_back(only);
        child.parent = -2;  // dissolved
        continue;
      }
      child.parent = g;
      result.push_back(c);
    }
    return result;
  }

  // Splits the ops and groups of a wide group into consecutive parts (inputs and outputs stay).
  void split_wide_groups(int g) {
    const std::size_t limit = std::max<std::size_t>(options_.chunk_size, 2);
    auto pinned = [&](const Child& c) {
      return !c.is_group && entries_[c.index].kind != EntryKind::Op;
    };
    for (;;) {
      std::vector<Child> inputs, middle, outputs;
      for (const Child& c : children_[g]) {
        if (!pinned(c))
          middle.push_back(c);
        else
          (entries_[c.index].kind == EntryKind::Input ? inputs : outputs).push_back(c);
      }
      if (middle.size() <= limit) break;
      children_[g] = inputs;
      const std::size_t parts = (middle.size() + limit - 1) / limit;
      for (std::size_t p = 0; p < parts; ++p) {
        const std::string name = "part " + std::to_string(p + 1) + " of " + std::to_string(parts);
        const int part = add_group(name, name, group_scope_[g], g);
        view_.groups[part].part = true;
        for (std::size_t i = p * limit; i < std::min(middle.size(), (p + 1) * limit); ++i) {
          children_[part].push_back(middle[i]);
          if (!middle[i].is_group) entries_[middle[i].index].group = part;
        }
      }
      children_[g].insert(children_[g].end(), outputs.begin(), outputs.end());
    }
    for (const Child& c : std::vector<Child>(children_[g]))
      if (c.is_group) split_wide_groups(c.index);
  }

  // Drops dissolved groups and numbers the rest parents first; fills each group's child list.
  void compact_groups() {
    std::vector<int> order, parent_of;
    std::vector<std::pair<int, int>> stack = {{0, -1}};
    while (!stack.empty()) {
      const auto [g, parent] = stack.back();
      stack.pop_back();
      order.push_back(g);
      parent_of.push_back(parent);
      for (auto it = children_[g].rbegin(); it != children_[g].rend(); ++it)
        if (it->is_group) stack.push_back({it->index, g});
    }
    std::vector<int> renumber(view_.groups.size(), -1);
    for (std::size_t i = 0; i < order.size(); ++i) renumber[order[i]] = static_cast<int>(i);
    std::vector<ViewGroup> groups;
    std::vector<std::string> scopes;
    std::vector<std::vector<Child>> children;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const int old = order[i];
      groups.push_back(std::move(view_.groups[old]));
      groups.back().parent = parent_of[i] < 0 ? -1 : renumber[parent_of[i]];
      if (groups.back().part) {  // a part's path is its place among the parts
        const std::string& parent_path = groups[groups.back().parent].path;
        groups.back().path =
            parent_path.empty() ? groups.back().name : parent_path + "/" + groups.back().name;
      }
      scopes.push_back(std::move(group_scope_[old]));
      children.push_back(std::move(children_[old]));
      for (Child& c : children.back())
        if (c.is_group) {
          c.index = renumber[c.index];
          groups.back().groups.push_back(c.index);
        }
    }
    for (Entry& e : entries_) e.group = renumber[e.group];
    view_.groups = std::move(groups);
    group_scope_ = std::move(scopes);
    children_ = std::move(children);
  }

  void assign_levels(int g, int level) {
    view_.groups[g].level = level;
    view_.max_depth = std::max(view_.max_depth, level);
    for (const Child& c : children_[g])
      if (c.is_group) assign_levels(c.index, level + 1);
  }

  void count_ops() {
    for (const Entry& e : entries_) {
      if (e.kind != EntryKind::Op) continue;
      for (int g = e.group; g >= 0; g = view_.groups[g].parent) {
        ++view_.groups[g].op_counts[e.node->op_type];
        ++view_.groups[g].op_total;
      }
    }
  }

  void choose_depth() {
    if (options_.depth >= 0) {
      view_.depth = std::min(options_.depth, view_.max_depth);
      return;
    }
    // Boxes drawn at depth d: the entries of groups at levels <= d, and the groups at d + 1.
    std::vector<std::size_t> entries_at(view_.max_depth + 2, 0), groups_at(view_.max_depth + 2, 0);
    for (const Entry& e : entries_) ++entries_at[view_.groups[e.group].level];
    for (const ViewGroup& g : view_.groups) ++groups_at[g.level];
    view_.depth = 0;
    std::size_t shown = 0;
    for (int d = 0; d <= view_.max_depth; ++d) {
      shown += entries_at[d];
      if (shown + groups_at[d + 1] > options_.auto_item_budget) break;
      view_.depth = d;
    }
  }

  void mark_expanded() {
    std::vector<bool> forced(view_.groups.size(), false);
    auto force_ancestors = [&](int g) {
      for (; g >= 0 && !forced[g]; g = view_.groups[g].parent) forced[g] = true;
    };
    if (expand_) {
      for (std::size_t g = 0; g < view_.groups.size(); ++g)
        if (std::regex_search(view_.groups[g].path, *expand_)) force_ancestors(static_cast<int>(g));
      for (const Entry& e : entries_)
        if (e.node && std::regex_search(e.node->name, *expand_)) force_ancestors(e.group);
    }
    // Groups are numbered parents first.
    for (std::size_t g = 0; g < view_.groups.size(); ++g) {
      ViewGroup& group = view_.groups[g];
      group.visible = g == 0 || view_.groups[group.parent].expanded;
      group.expanded = group.visible && (g == 0 || group.level <= view_.depth || forced[g]);
      if (highlight_ && g != 0) group.highlighted = std::regex_search(group.path, *highlight_);
    }
  }

  int add_item(ViewItem item) {
    const int parent = item.parent;
    view_.items.push_back(std::move(item));
    const int index = static_cast<int>(view_.items.size() - 1);
    view_.groups[parent].items.push_back(index);
    return index;
  }

  std::string value_line(const Value& value) const {
    std::string line = shape_label(value.shape);
    if (value.dtype != DType::Undefined) line += " " + dtype_name(value.dtype);
    return line;
  }

  std::string relative_name(const std::string& name, int group) const {
    const std::string& scope = group_scope_[group];
    if (scope.empty()) return name;
    const std::size_t skip = !name.empty() && name[0] == '/' ? 1 : 0;
    if (name.compare(skip, scope.size(), scope) == 0 && name.size() > skip + scope.size() &&
        name[skip + scope.size()] == '/')
      return name.substr(skip + scope.size() + 1);
    return name;
  }

  void make_items() {
    // Boxes for collapsed groups whose parent is open, in the order their first entry comes.
    std::vector<int> box_of_group(view_.groups.size(), -1);
    for (Entry& e : entries_) {
      int open = e.group;
      int collapsed = -1;
      for (int g = e.group; g > 0; g = view_.groups[g].parent)
        if (!view_.groups[g].expanded) collapsed = g;
      if (collapsed >= 0) {
        if (box_of_group[collapsed] < 0) {
          ViewItem box;
          box.kind = ItemKind::Group;
          box.parent = view_.groups[collapsed].parent;
          box.group = collapsed;
          box.title = sanitize_text(view_.groups[collapsed].name, options_.max_line_chars);
          box.highlighted = view_.groups[collapsed].highlighted;
          box_of_group[collapsed] = add_item(std::move(box));
        }
        e.item = box_of_group[collapsed];
        if (highlight_ && e.node && matches_highlight(*e.node))
          view_.items[e.item].highlighted = true;
        continue;
      }
      ViewItem item;
      item.parent = open;
      const std::size_t width = options_.max_line_chars;
      if (e.kind == EntryKind::Op) {
        item.kind = ItemKind::Op;
        item.title = sanitize_text(e.node->op_type, width);
        item.name = sanitize_text(e.node->name, width);
        item.category = op_category(e.node->domain, e.node->op_type);
        item.highlighted = highlight_ && matches_highlight(*e.node);
        op_lines(e, item.lines);
      } else {
        const Value& value = e.graph->values[e.value];
        item.kind = e.kind == EntryKind::Input ? ItemKind::Input : ItemKind::Output;
        item.title = e.kind == EntryKind::Input ? "input" : "output";
        item.name = sanitize_text(value.name, width);
        item.lines = {item.name, sanitize_text(value_line(value), width)};
      }
      e.item = add_item(std::move(item));
    }
  }

  bool matches_highlight(const Node& node) const {
    return std::regex_search(node.name, *highlight_) ||
           std::regex_search(node.op_type, *highlight_);
  }

  void op_lines(const Entry& e, std::vector<std::string>& lines) const {
    const Node& node = *e.node;
    const std::size_t width = options_.max_line_chars;
    const std::string name = relative_name(node.name, e.group);
    if (name != node.op_type) lines.push_back(sanitize_text(name, width));
    // Every node of a Keras model is in domain "keras": the line would tell nothing there.
    if (!node.domain.empty() && node.domain != "keras")
      lines.push_back(sanitize_text(node.domain, width));
    std::set<std::string> shown;
    const std::string spatial = spatial_line(node, shown);
    if (!spatial.empty()) lines.push_back(sanitize_text(spatial, width));
    constexpr std::size_t kMostAttributeLines = 6;
    std::size_t hidden = 0;
    for (const auto& [name, a] : node.attributes) {
      if (shown.count(name) || a.kind == Attribute::Kind::Graph ||
          a.kind == Attribute::Kind::Graphs)
        continue;
      if (lines.size() >= kMostAttributeLines + 1) {
        ++hidden;
        continue;
      }
      // Only the start of a long value is needed: cut before sanitizing a 100k-character string.
      lines.push_back(
          sanitize_text(name + " " + attribute_value_text(a).substr(0, width * 4), width));
    }
    if (hidden) lines.push_back("+" + std::to_string(hidden) + " more attributes");
    const Scope& scope = scope_of(e.graph);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      const Source* source = scope.source(node.inputs[i]);
      if (!source || !source->folded) continue;
      std::string name;
      if (options_.input_name) name = options_.input_name(*e.graph, node, i);
      if (name.empty()) name = "in" + std::to_string(i);
      lines.push_back(sanitize_text(name + " " + source->text, width));
    }
  }

  const Scope& scope_of(const Graph* graph) const {
    if (graph == root_scope_.graph) return root_scope_;
    for (const Body& b : bodies_)
      if (b.graph == graph) return *b.scope;
    return root_scope_;
  }

  void add_edge(int from, int to, const Value& value) {
    if (from < 0 || to < 0 || from == to) return;
    if (!edge_keys_.insert({&value, from, to}).second) return;
    ViewEdge edge;
    edge.from = from;
    edge.to = to;
    edge.value = sanitize_text(value.name, options_.max_line_chars);
    edge.label = sanitize_text(value_line(value), options_.max_line_chars);
    view_.edges.push_back(std::move(edge));
  }

  // The value a source entry stands for (for edge labels: the outer value, not the alias).
  const Value* source_value(const Scope& scope, int v) const {
    const Value& value = scope.graph->values[v];
    if (value.kind != ValueKind::OuterScope) return &value;
    for (const Scope* s = scope.outer; s; s = s->outer) {
      const int outer = s->graph->find_value(value.name);
      if (outer >= 0 && s->graph->values[outer].kind != ValueKind::OuterScope)
        return &s->graph->values[outer];
    }
    return &value;
  }

  void make_edges() {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      const Scope& scope = scope_of(e.graph);
      auto connect = [&](int v) {
        const Source* source = scope.source(v);
        if (!source || source->folded || source->entry < 0) return;
        add_edge(entries_[source->entry].item, e.item, *source_value(scope, v));
      };
      if (e.kind == EntryKind::Op)
        for (int v : e.node->inputs) connect(v);
      else if (e.kind == EntryKind::Output)
        connect(e.value);
    }
    // Body results flow into their control node.
    for (const Body& b : bodies_) {
      if (b.control_entry < 0 || b.control_entry >= static_cast<int>(entries_.size())) continue;
      const Entry& control = entries_[b.control_entry];
      for (int v : b.graph->outputs) {
        const Source* source = b.scope->source(v);
        if (!source || source->folded || source->entry < 0) continue;
        add_edge(entries_[source->entry].item, control.item, *source_value(*b.scope, v));
      }
    }
  }

  // Op counts and the shapes entering and leaving each collapsed group's box.
  void label_boxes() {
    std::vector<std::vector<std::string>> ins(view_.items.size()), outs(view_.items.size());
    std::vector<std::set<std::string>> seen_in(view_.items.size()), seen_out(view_.items.size());
    for (const ViewEdge& edge : view_.edges) {
      if (view_.items[edge.to].kind == ItemKind::Group &&
          seen_in[edge.to].insert(edge.value).second)
        ins[edge.to].push_back(edge.label);
      if (view_.items[edge.from].kind == ItemKind::Group &&
          seen_out[edge.from].insert(edge.value).second)
        outs[edge.from].push_back(edge.label);
    }
    const std::size_t width = options_.max_line_chars;
    for (std::size_t i = 0; i < view_.items.size(); ++i) {
      ViewItem& item = view_.items[i];
      if (item.kind != ItemKind::Group) continue;
      const ViewGroup& group = view_.groups[item.group];
      std::vector<std::pair<std::string, int>> counts(group.op_counts.begin(),
                                                      group.op_counts.end());
      std::stable_sort(counts.begin(), counts.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      item.lines.push_back(std::to_string(group.op_total) + (group.op_total == 1 ? " op" : " ops"));
      std::string line;
      for (const auto& [op, count] : counts) {
        const std::string part = std::to_string(count) + " " + op;
        if (!line.empty() && line.size() + part.size() + 2 > width) {
          item.lines.push_back(sanitize_text(line, width));
          line.clear();
          if (item.lines.size() >= 4) break;
        }
        line += (line.empty() ? "" : ", ") + part;
      }
      if (!line.empty() && item.lines.size() < 5) item.lines.push_back(sanitize_text(line, width));
      auto list = [&](const char* prefix, const std::vector<std::string>& shapes) {
        for (std::size_t k = 0; k < shapes.size() && k < options_.max_shapes_listed; ++k)
          item.lines.push_back(sanitize_text(prefix + shapes[k], width));
        if (shapes.size() > options_.max_shapes_listed)
          item.lines.push_back(
              prefix +
              ("+" + std::to_string(shapes.size() - options_.max_shapes_listed) + " more"));
      };
      list("in ", ins[i]);
      list("out ", outs[i]);
    }
  }

  struct Body {
    const Graph* graph;
    const Scope* scope;
    int control_entry;
  };

  const ViewOptions& options_;
  std::optional<std::regex> expand_, highlight_;
  GraphView view_;
  std::vector<std::string> group_scope_;  // the node-name scope a group stands for
  std::vector<std::vector<Child>> children_;
  std::vector<std::map<std::string, int>> named_children_;
  std::vector<Entry> entries_;
  Scope root_scope_;
  std::deque<Scope> body_scopes_;  // stable addresses
  std::vector<Body> bodies_;
  std::set<std::tuple<const Value*, int, int>> edge_keys_;
};

}  // namespace

GraphView build_graph_view(const Graph& graph, const ViewOptions& options) {
  return ViewBuilder(options).build(graph);
}

}  // namespace layerscope::render
