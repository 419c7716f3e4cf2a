// GraphView -> DOT, SVG, PNG (see graph_render.h).
#include "render/graph_render.h"

#include <layerscope/error.h>

#include <graphviz/gvc.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <tuple>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace layerscope::render {
namespace {

using Attributes = std::vector<std::pair<const char*, std::string>>;

constexpr const char* kFont = "Helvetica,Arial,sans-serif";
constexpr double kClusterMargin = 8;        // points around a group's content
constexpr double kClusterLabelHeight = 18;  // points above it for the group's name

// Text as a Graphviz label: a backslash would start an escape (\N, \n), '&' an entity.
std::string label_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

std::string item_label(const ViewItem& item) {
  std::string label = label_escape(item.title);
  for (const std::string& line : item.lines) label += "\\n" + label_escape(line);
  return label;
}

Attributes item_attributes(const ViewItem& item) {
  Attributes a = {{"label", item_label(item)}};
  switch (item.kind) {
    case ItemKind::Op:
      a.push_back({"fillcolor", category_color(item.category)});
      break;
    case ItemKind::Group:
      a.push_back({"fillcolor", "#f0f0f0"});
      a.push_back({"peripheries", "2"});
      break;
    case ItemKind::Input:
    case ItemKind::Output:
      a.push_back({"fillcolor", "#37474f"});
      a.push_back({"fontcolor", "white"});
      a.push_back({"style", "rounded,filled,bold"});
      break;
  }
  if (item.highlighted) {
    a.push_back({"color", "#d62728"});
    a.push_back({"penwidth", "3"});
  }
  return a;
}

Attributes group_attributes(const ViewGroup& group) {
  static const char* const fills[] = {"#f7f9fc", "#eef3f9", "#e6edf6", "#dfe7f2"};
  Attributes a = {{"label", label_escape(group.name)},
                  {"fillcolor", group.subgraph ? "#e8f7f3" : fills[(group.level - 1) % 4]},
                  {"style", group.subgraph ? "dashed,rounded,filled" : "rounded,filled"},
                  {"color", "#9aa5b1"}};
  if (group.highlighted) {
    a.push_back({"color", "#d62728"});
    a.push_back({"penwidth", "2.5"});
  }
  return a;
}

const Attributes& graph_defaults() {
  static const Attributes a = {{"fontname", kFont},
                               {"fontsize", "11"},
                               {"nodesep", "0.25"},
                               {"ranksep", "0.3"},
                               {"labeljust", "l"}};
  return a;
}
const Attributes& node_defaults() {
  static const Attributes a = {{"shape", "box"},       {"style", "rounded,filled"},
                               {"fontname", kFont},    {"fontsize", "10"},
                               {"margin", "0.1,0.04"}, {"color", "#555555"}};
  return a;
}
const Attributes& edge_defaults() {
  static const Attributes a = {{"fontname", kFont},
                               {"fontsize", "8"},
                               {"fontcolor", "#444444"},
                               {"color", "#666666"},
                               {"arrowsize", "0.6"}};
  return a;
}

// ---------------------------------------------------------------------------------------------
// DOT text

// A DOT quoted string. The lexer only knows \" ; a string may not end in a backslash.
std::string dot_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '\\';
    out += c;
  }
  if (!text.empty() && text.back() == '\\') out += ' ';
  return out + "\"";
}

void write_attributes(std::string& out, const Attributes& attributes) {
  out += " [";
  for (std::size_t i = 0; i < attributes.size(); ++i)
    out +=
        (i ? ", " : "") + std::string(attributes[i].first) + "=" + dot_quote(attributes[i].second);
  out += "]";
}

void write_dot_group(std::string& out, const GraphView& view, int g, const std::string& indent) {
  const ViewGroup& group = view.groups[g];
  for (int i : group.items) {
    out += indent + "n" + std::to_string(i);
    write_attributes(out, item_attributes(view.items[i]));
    out += ";\n";
  }
  for (int c : group.groups) {
    if (!view.groups[c].expanded) continue;
    out += indent + "subgraph cluster_" + std::to_string(c) + " {\n";
    for (const auto& [key, value] : group_attributes(view.groups[c]))
      out += indent + "  " + key + "=" + dot_quote(value) + ";\n";
    write_dot_group(out, view, c, indent + "  ");
    out += indent + "}\n";
  }
}

}  // namespace

std::string to_dot(const GraphView& view, const RenderOptions& options) {
  std::string out = "digraph " + dot_quote(view.name.empty() ? "model" : view.name) + " {\n";
  Attributes graph = graph_defaults();
  graph.push_back({"rankdir", options.left_to_right ? "LR" : "TB"});
  out += "  graph";
  write_attributes(out, graph);
  out += ";\n  node";
  write_attributes(out, node_defaults());
  out += ";\n  edge";
  write_attributes(out, edge_defaults());
  out += ";\n";
  write_dot_group(out, view, 0, "  ");
  for (const ViewEdge& edge : view.edges) {
    out += "  n" + std::to_string(edge.from) + " -> n" + std::to_string(edge.to);
    if (options.shapes) write_attributes(out, {{"label", label_escape(edge.label)}});
    out += ";\n";
  }
  return out + "}\n";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Layout group by group

struct Point {
  double x = 0, y = 0;
};

// An end of an edge inside one group's layout.
struct Endpoint {
  enum Kind { Item, ChildIn, ChildOut, OwnIn, OwnOut } kind = Item;
  int index = -1;  // item, or child group
  int port = -1;   // port number (child's or own)
  bool operator<(const Endpoint& o) const {
    return std::tie(kind, index, port) < std::tie(o.kind, o.index, o.port);
  }
};

// One edge of one group's layout; a view edge crossing groups is a chain of pieces.
struct Piece {
  int group = 0;
  Endpoint tail, head;
  std::string label;
  std::vector<Point> points;  // cubic Bézier control points, layout coordinates
  bool arrow = false;
  Point arrow_tip;
  bool has_label = false;
  Point label_pos;
};

// A value entering or leaving a group: one port per (source item, value).
using PortKey = std::pair<int, std::string>;

struct GroupLayout {
  double llx = 0, lly = 0, urx = 0, ury = 0;  // bounding box of the content
  double width = 0, height = 0;               // the box it takes in its parent (whole points)
  std::vector<Point> in_ports, out_ports;     // port node positions, layout coordinates
  Point offset;                               // layout -> absolute coordinates
};

class GvcContext {
 public:
  GvcContext() : gvc_(gvContext()) {
    if (!gvc_) throw Error("cannot start Graphviz (gvContext failed)");
  }
  ~GvcContext() { gvFreeContext(gvc_); }
  GVC_t* get() const { return gvc_; }

 private:
  GVC_t* gvc_;
};

class GvGraph {  // an owned cgraph graph
 public:
  explicit GvGraph(const char* name) {
    Agdesc_t directed = Agdirected;
    g_ = agopen(const_cast<char*>(name), directed, nullptr);
  }
  ~GvGraph() { agclose(g_); }
  GvGraph(const GvGraph&) = delete;
  GvGraph& operator=(const GvGraph&) = delete;
  Agraph_t* get() const { return g_; }

 private:
  Agraph_t* g_;
};

void set(void* object, const char* key, const std::string& value) {
  agsafeset(object, const_cast<char*>(key), const_cast<char*>(value.c_str()),
            const_cast<char*>(""));
}
void set_all(void* object, const Attributes& attributes) {
  for (const auto& [key, value] : attributes) set(object, key, value);
}
void set_defaults(Agraph_t* g) {
  for (const auto& [key, value] : graph_defaults()) set(g, key, value);
  for (const auto& [key, value] : node_defaults())
    agattr(g, AGNODE, const_cast<char*>(key), const_cast<char*>(value.c_str()));
  for (const auto& [key, value] : edge_defaults())
    agattr(g, AGEDGE, const_cast<char*>(key), const_cast<char*>(value.c_str()));
}
Agnode_t* node(Agraph_t* g, const std::string& name) {
  return agnode(g, const_cast<char*>(name.c_str()), 1);
}

std::string format_point(Point p) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f,%.2f", p.x, p.y);
  return buffer;
}

class LayoutBuilder {
 public:
  LayoutBuilder(const GraphView& view, const RenderOptions& options)
      : view_(view), options_(options), layouts_(view.groups.size()) {
    split_edges();
  }

  // Lays out every open group, innermost first, then places them inside each other.
  //
  // The layouts run in child processes, kBatch groups each, results sent back through a pipe.
  // Graphviz 2.42's dot keeps a static one-byte visit mark that wraps around after 255 uses
  // (about a hundred layouts); on the wrap it takes nodes for visited and can crash in mincross.
  // A child forked from this process (which never runs dot itself) starts with a fresh mark, and
  // a batch stays below the wrap. Should a child die anyway, the next one resumes at the group it
  // died on, first laying out a small graph so the marks fall differently; a second death there
  // is an error naming the group. Disjoint subtrees of groups are laid out by
  // `options.processes` children at once; their common ancestors last.
  void layout() {
    std::vector<std::vector<int>> lanes;
    std::vector<int> last;
    split_in_lanes(std::max(1, options_.processes), lanes, last);
    run_lanes(lanes);
    run_lanes({last});
    layouts_[0].offset = {-layouts_[0].llx, -layouts_[0].lly};
    place_children(0);
  }

  // Width and height of the whole drawing, in points.
  std::pair<double, double> size() const {
    return {layouts_[0].urx - layouts_[0].llx, layouts_[0].ury - layouts_[0].lly};
  }

  // One graph with every box at its place and every edge drawn, for Graphviz's `nop2` engine.
  void build_placed(Agraph_t* out) {
    set_defaults(out);
    std::vector<Agnode_t*> nodes(view_.items.size(), nullptr);
    add_placed_group(out, out, 0, nodes);
    std::vector<bool> labelled(pieces_.size(), false);
    for (std::size_t e = 0; e < view_.edges.size(); ++e) {
      const ViewEdge& edge = view_.edges[e];
      Agedge_t* drawn = agedge(out, nodes[edge.from], nodes[edge.to],
                               const_cast<char*>(("e" + std::to_string(e)).c_str()), 1);
      std::vector<Point> points;
      const Piece* last = nullptr;
      for (int p : edge_pieces_[e]) {
        const Piece& piece = pieces_[p];
        const Point offset = layouts_[piece.group].offset;
        std::vector<Point> absolute;
        for (const Point& q : piece.points) absolute.push_back({q.x + offset.x, q.y + offset.y});
        if (absolute.empty()) continue;
        if (!points.empty()) {  // a straight join from the previous piece's end
          const Point a = points.back(), b = absolute.front();
          points.push_back({a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3});
          points.push_back({a.x + 2 * (b.x - a.x) / 3, a.y + 2 * (b.y - a.y) / 3});
          points.push_back(b);
          absolute.erase(absolute.begin());
        }
        points.insert(points.end(), absolute.begin(), absolute.end());
        if (piece.has_label && !labelled[p]) {
          labelled[p] = true;
          set(drawn, "label", piece.label);
          set(drawn, "lp",
              format_point({piece.label_pos.x + offset.x, piece.label_pos.y + offset.y}));
        }
        last = &piece;
      }
      std::string pos;
      if (last && last->arrow) {
        const Point offset = layouts_[last->group].offset;
        pos = "e," + format_point({last->arrow_tip.x + offset.x, last->arrow_tip.y + offset.y});
      }
      for (const Point& q : points) pos += (pos.empty() ? "" : " ") + format_point(q);
      set(drawn, "pos", pos);
    }
  }

 private:
  // ---- edges into pieces ----

  int port(std::vector<std::map<PortKey, int>>& ports, int group, const PortKey& key) {
    auto& map = ports[group];
    auto it = map.find(key);
    if (it != map.end()) return it->second;
    const int index = static_cast<int>(map.size());
    map.emplace(key, index);
    return index;
  }

  int piece(int group, Endpoint tail, Endpoint head, const std::string& label) {
    auto key = std::make_tuple(group, tail, head, label);
    auto it = piece_index_.find(key);
    if (it != piece_index_.end()) return it->second;
    Piece p;
    p.group = group;
    p.tail = tail;
    p.head = head;
    p.label = label;
    pieces_.push_back(std::move(p));
    piece_index_.emplace(key, static_cast<int>(pieces_.size() - 1));
    return static_cast<int>(pieces_.size() - 1);
  }

  void split_edges() {
    in_ports_.resize(view_.groups.size());
    out_ports_.resize(view_.groups.size());
    edge_pieces_.resize(view_.edges.size());
    for (std::size_t e = 0; e < view_.edges.size(); ++e) {
      const ViewEdge& edge = view_.edges[e];
      const PortKey key = {edge.from, edge.value};
      // The groups from each end up to (excluding) their lowest common group.
      int a = view_.items[edge.from].parent, b = view_.items[edge.to].parent;
      std::vector<int> up, down;
      while (a != b) {
        if (view_.groups[a].level >= view_.groups[b].level) {
          up.push_back(a);
          a = view_.groups[a].parent;
        } else {
          down.push_back(b);
          b = view_.groups[b].parent;
        }
      }
      const int common = a;
      std::vector<int>& chain = edge_pieces_[e];
      Endpoint tail{Endpoint::Item, edge.from, -1};
      for (int g : up) {  // out of each group on the way up
        const int k = port(out_ports_, g, key);
        chain.push_back(piece(g, tail, {Endpoint::OwnOut, g, k}, ""));
        tail = {Endpoint::ChildOut, g, k};
      }
      std::vector<Endpoint> heads;  // the head in each group on the way down, outermost first
      std::reverse(down.begin(), down.end());
      for (int g : down) heads.push_back({Endpoint::ChildIn, g, port(in_ports_, g, key)});
      heads.push_back({Endpoint::Item, edge.to, -1});
      const std::string label = options_.shapes ? label_escape(edge.label) : "";
      chain.push_back(piece(common, tail, heads[0], label));
      for (std::size_t i = 0; i < down.size(); ++i)
        chain.push_back(
            piece(down[i], {Endpoint::OwnIn, down[i], heads[i].port}, heads[i + 1], ""));
    }
    for (std::size_t p = 0; p < pieces_.size(); ++p) group_pieces_[pieces_[p].group].push_back(p);
  }

  // ---- one group ----

  std::string html_ports(int g) const {
    const GroupLayout& l = layouts_[g];
    const int width = static_cast<int>(l.width), height = static_cast<int>(l.height);
    const bool lr = options_.left_to_right;
    // Whole-point offsets of each port along the side, from the left (TB) or the top (LR).
    auto offsets = [&](const std::vector<Point>& ports) {
      std::vector<std::pair<int, int>> sorted;  // (offset, port)
      for (std::size_t k = 0; k < ports.size(); ++k) {
        const double along = lr ? l.height - (ports[k].y - l.lly + kClusterMargin)
                                : ports[k].x - l.llx + kClusterMargin;
        sorted.push_back({static_cast<int>(std::lround(along)), static_cast<int>(k)});
      }
      std::sort(sorted.begin(), sorted.end());
      const int side = lr ? height : width;
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        const int lowest = i ? sorted[i - 1].first + 1 : 0;
        const int highest = side - static_cast<int>(sorted.size() - i);
        sorted[i].first = std::clamp(sorted[i].first, lowest, std::max(lowest, highest));
      }
      return sorted;
    };
    // Graphviz takes cell sizes up to 65535 points: longer spacers are several cells in a row.
    constexpr int kLongestCell = 60000;
    const char* const next_row = "</TR><TR>";
    auto cell = [&](int size, const std::string& port) {
      std::string cells;
      for (int left = size; left > 0; left -= kLongestCell) {
        const int part = std::min(left, kLongestCell);
        const std::string w = std::to_string(lr ? 1 : part), h = std::to_string(lr ? part : 1);
        cells += "<TD FIXEDSIZE=\"TRUE\" WIDTH=\"" + w + "\" HEIGHT=\"" + h + "\"" +
                 (port.empty() ? "" : " PORT=\"" + port + "\"") + "></TD>" + (lr ? next_row : "");
      }
      return cells;
    };
    auto side = [&](const std::vector<Point>& ports, const char* prefix) {
      const int length = lr ? height : width;
      std::string cells;
      int at = 0;
      for (const auto& [offset, k] : offsets(ports)) {
        if (offset > at) cells += cell(offset - at, "");
        cells += cell(1, prefix + std::to_string(k));
        at = offset + 1;
      }
      cells += cell(std::max(1, length - at), "");
      if (lr) cells.resize(cells.size() - std::strlen(next_row));
      return "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\"><TR>" +
             cells + "</TR></TABLE>";
    };
    // The space between the two sides, as long as the box.
    auto middle = [&]() {
      const int across = lr ? height : width, along = std::max(1, (lr ? width : height) - 2);
      std::string cells;
      for (int left = along; left > 0; left -= kLongestCell) {
        const int part = std::min(left, kLongestCell);
        const std::string w = std::to_string(lr ? part : across),
                          h = std::to_string(lr ? across : part);
        cells += "<TD FIXEDSIZE=\"TRUE\" WIDTH=\"" + w + "\" HEIGHT=\"" + h + "\"></TD>" +
                 (lr ? "" : next_row);
      }
      if (!lr) cells.resize(cells.size() - std::strlen(next_row));
      return cells;
    };
    const std::string table =
        "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\">";
    const std::string in = side(l.in_ports, "i"), out = side(l.out_ports, "o");
    if (lr)
      return table + "<TR><TD>" + in + "</TD>" + middle() + "<TD>" + out + "</TD></TR></TABLE>";
    return table + "<TR><TD>" + in + "</TD></TR><TR>" + middle() + "</TR><TR><TD>" + out +
           "</TD></TR></TABLE>";
  }

  void post_order(int g, std::vector<int>& order) const {
    for (int c : view_.groups[g].groups)
      if (view_.groups[c].expanded) post_order(c, order);
    order.push_back(g);
  }

  // Open groups in each subtree (the group itself included).
  int count_open(int g, std::vector<int>& sizes) const {
    int size = 1;
    for (int c : view_.groups[g].groups)
      if (view_.groups[c].expanded) size += count_open(c, sizes);
    return sizes[g] = size;
  }

  // Splits the open groups into `processes` lists of whole subtrees of about equal size (each in
  // post order), and the ancestors those subtrees share, laid out once the lanes are done.
  void split_in_lanes(int processes, std::vector<std::vector<int>>& lanes,
                      std::vector<int>& last) const {
    std::vector<int> sizes(view_.groups.size(), 0);
    const int total = count_open(0, sizes);
    std::vector<bool> shared(view_.groups.size(), false);
    std::vector<int> roots = {0};
    // Open up the biggest subtree while it is more than a lane's share and can be opened.
    for (;;) {
      auto biggest = std::max_element(roots.begin(), roots.end(),
                                      [&](int a, int b) { return sizes[a] < sizes[b]; });
      if (biggest == roots.end() || sizes[*biggest] * processes <= total || sizes[*biggest] == 1)
        break;
      const int g = *biggest;
      roots.erase(biggest);
      shared[g] = true;
      for (int c : view_.groups[g].groups)
        if (view_.groups[c].expanded) roots.push_back(c);
    }
    std::sort(roots.begin(), roots.end(), [&](int a, int b) { return sizes[a] > sizes[b]; });
    lanes.assign(processes, {});
    std::vector<int> load(processes, 0);
    for (int r : roots) {
      const auto lane = std::min_element(load.begin(), load.end()) - load.begin();
      load[lane] += sizes[r];
      post_order(r, lanes[lane]);
    }
    std::vector<int> order;
    post_order(0, order);
    for (int g : order)
      if (shared[g]) last.push_back(g);
  }

  // One child process laying out part of a lane.
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::size_t begin = 0, end = 0, received = 0;
    std::string buffer;
  };

  // Lays out each lane's groups in order, the lanes side by side.
  void run_lanes(const std::vector<std::vector<int>>& lanes) {
    const std::size_t count = lanes.size();
    std::vector<std::size_t> done(count, 0);
    std::vector<int> attempts(count, 0);
    std::vector<Worker> workers(count);
    try {
      run_workers(lanes, done, attempts, workers);
    } catch (...) {
      for (Worker& w : workers)  // stop the other layouts: this drawing has failed
        if (w.pid >= 0) {
          kill(w.pid, SIGKILL);
          close(w.fd);
          while (waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
          }
        }
      throw;
    }
  }

  void run_workers(const std::vector<std::vector<int>>& lanes, std::vector<std::size_t>& done,
                   std::vector<int>& attempts, std::vector<Worker>& workers) {
    const std::size_t count = lanes.size();
    for (;;) {
      std::vector<pollfd> polls;
      std::vector<std::size_t> polled;
      for (std::size_t l = 0; l < count; ++l) {
        Worker& w = workers[l];
        if (w.pid < 0 && done[l] < lanes[l].size()) {
          w = Worker();
          w.begin = done[l];
          w.end = std::min(lanes[l].size(), done[l] + kBatch);
          start_worker(w, lanes[l], attempts[l], workers);
        }
        if (w.pid >= 0) {
          polls.push_back({w.fd, POLLIN, 0});
          polled.push_back(l);
        }
      }
      if (polls.empty()) return;
      if (poll(polls.data(), polls.size(), -1) < 0) {
        if (errno == EINTR) continue;
        throw Error(std::string("cannot lay out the graph: poll: ") + std::strerror(errno));
      }
      for (std::size_t k = 0; k < polls.size(); ++k) {
        if (!polls[k].revents) continue;
        const std::size_t l = polled[k];
        Worker& w = workers[l];
        char chunk[65536];
        const ssize_t n = read(w.fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
          w.buffer.append(chunk, static_cast<std::size_t>(n));
          std::size_t at = 0;
          while (deserialize(w.buffer, at)) ++w.received;
          w.buffer.erase(0, at);
          continue;
        }
        const pid_t pid = w.pid;
        w.pid = -1;                       // reaped below, whatever happens
        finish_worker(pid, w, lanes[l]);  // end of its output
        done[l] += w.received;
        if (w.received == 0 && ++attempts[l] >= 2)
          throw Error("Graphviz crashed laying out group '" +
                      (view_.groups[lanes[l][done[l]]].path.empty()
                           ? std::string("(top level)")
                           : view_.groups[lanes[l][done[l]]].path) +
                      "'");
        if (w.received) attempts[l] = 0;
      }
    }
  }

  void start_worker(Worker& w, const std::vector<int>& order, int warm_ups,
                    const std::vector<Worker>& others) {
    int fds[2];
    if (pipe(fds) != 0)
      throw Error(std::string("cannot lay out the graph: pipe: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
      close(fds[0]);
      close(fds[1]);
      throw Error(std::string("cannot lay out the graph: fork: ") + std::strerror(errno));
    }
    if (pid == 0) {  // the child: lay out, send each group's results, leave without cleanup
      close(fds[0]);
      for (const Worker& other : others)
        if (other.pid >= 0) close(other.fd);
      int status = 0;
      try {
        GvcContext gvc;
        for (int k = 0; k < warm_ups; ++k) warm_up(gvc.get());
        for (std::size_t i = w.begin; i < w.end && status == 0; ++i) {
          layout_group(gvc.get(), order[i]);
          status = write_all(fds[1], serialize(order[i])) ? 0 : 1;
        }
      } catch (const std::exception&) {
        status = 2;
      }
      close(fds[1]);
      _exit(status);
    }
    close(fds[1]);
    w.pid = pid;
    w.fd = fds[0];
  }

  void finish_worker(pid_t pid, Worker& w, const std::vector<int>& order) {
    close(w.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFEXITED(status) && !finished)  // not a crash: Graphviz reported a failure
      throw Error("Graphviz could not lay out group '" +
                  view_.groups[order[w.begin + w.received]].path + "'");
    if (finished && w.received != w.end - w.begin)
      throw Error("cannot lay out the graph: the layout process stopped early");
  }

  // A small layout that moves dot's visit mark on.
  static void warm_up(GVC_t* gvc) {
    GvGraph g("warm_up");
    agedge(g.get(), node(g.get(), "a"), node(g.get(), "b"), nullptr, 1);
    gvLayout(gvc, g.get(), "dot");
    gvFreeLayout(gvc, g.get());
  }

  static bool write_all(int fd, const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
      const ssize_t n = write(fd, data.data() + at, data.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  // ---- results of one group's layout, through the pipe ----

  class Writer {
   public:
    void number(double v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void point(const Point& p) {
      number(p.x);
      number(p.y);
    }
    void points(const std::vector<Point>& list) {
      number(static_cast<double>(list.size()));
      for (const Point& p : list) point(p);
    }
    std::string done() {
      const uint64_t size = out_.size();
      return std::string(reinterpret_cast<const char*>(&size), sizeof size) + out_;
    }

   private:
    std::string out_;
  };

  class Reader {
   public:
    Reader(const std::string& data, std::size_t at) : data_(data), at_(at) {}
    double number() {
      double v;
      std::memcpy(&v, data_.data() + at_, sizeof v);
      at_ += sizeof v;
      return v;
    }
    int integer() { return static_cast<int>(number()); }
    Point point() {
      const double x = number();
      return {x, number()};
    }
    std::vector<Point> points() {
      std::vector<Point> list(static_cast<std::size_t>(number()));
      for (Point& p : list) p = point();
      return list;
    }

   private:
    const std::string& data_;
    std::size_t at_;
  };

  std::string serialize(int g) const {
    Writer w;
    const GroupLayout& l = layouts_[g];
    w.number(g);
    for (double v : {l.llx, l.lly, l.urx, l.ury, l.width, l.height}) w.number(v);
    w.points(l.in_ports);
    w.points(l.out_ports);
    const ViewGroup& group = view_.groups[g];
    for (int i : group.items) {
      const Placed& p = item_pos_.at(i);
      for (double v : {p.x, p.y, p.width, p.height}) w.number(v);
    }
    for (int c : group.groups)
      if (view_.groups[c].expanded) w.point(child_pos_.at(c));
    for (int p : group_pieces_.count(g) ? group_pieces_.at(g) : std::vector<int>{}) {
      const Piece& piece = pieces_[p];
      w.points(piece.points);
      w.number(piece.arrow);
      w.point(piece.arrow_tip);
      w.number(piece.has_label);
      w.point(piece.label_pos);
    }
    return w.done();
  }

  // Reads one whole record at `at` if the buffer holds it, and moves `at` past it.
  bool deserialize(const std::string& buffer, std::size_t& at) {
    uint64_t size = 0;
    if (buffer.size() - at < sizeof size) return false;
    std::memcpy(&size, buffer.data() + at, sizeof size);
    if (buffer.size() - at - sizeof size < size) return false;
    Reader r(buffer, at + sizeof size);
    at += sizeof size + size;
    const int g = r.integer();
    GroupLayout& l = layouts_[g];
    l.llx = r.number();
    l.lly = r.number();
    l.urx = r.number();
    l.ury = r.number();
    l.width = r.number();
    l.height = r.number();
    l.in_ports = r.points();
    l.out_ports = r.points();
    const ViewGroup& group = view_.groups[g];
    for (int i : group.items) {
      Placed& p = item_pos_[i];
      p.x = r.number();
      p.y = r.number();
      p.width = r.number();
      p.height = r.number();
    }
    for (int c : group.groups)
      if (view_.groups[c].expanded) child_pos_[c] = r.point();
    if (group_pieces_.count(g))
      for (int p : group_pieces_.at(g)) {
        Piece& piece = pieces_[p];
        piece.points = r.points();
        piece.arrow = r.number() != 0;
        piece.arrow_tip = r.point();
        piece.has_label = r.number() != 0;
        piece.label_pos = r.point();
      }
    return true;
  }

  // One group's own layout; its open children are laid out already.
  void layout_group(GVC_t* gvc, int g) {
    const ViewGroup& group = view_.groups[g];

    GvGraph holder("group");
    Agraph_t* lg = holder.get();
    set_defaults(lg);
    set(lg, "rankdir", options_.left_to_right ? "LR" : "TB");
    std::map<int, Agnode_t*> item_nodes, child_nodes;
    for (int i : group.items) {
      Agnode_t* n = node(lg, "n" + std::to_string(i));
      set_all(n, item_attributes(view_.items[i]));
      item_nodes[i] = n;
    }
    for (int c : group.groups) {
      if (!view_.groups[c].expanded) continue;
      Agnode_t* n = node(lg, "c" + std::to_string(c));
      set(n, "shape", "plain");
      set(n, "style", "invis");
      const std::string html = html_ports(c);
      char* label = agstrdup_html(lg, const_cast<char*>(html.c_str()));
      agsafeset(n, const_cast<char*>("label"), label, const_cast<char*>(""));
      agstrfree(lg, label);
      child_nodes[c] = n;
    }
    std::vector<Agnode_t*> own_in, own_out;
    auto add_ports = [&](std::size_t count, const char* prefix, const char* rank,
                         std::vector<Agnode_t*>& nodes) {
      if (!count) return;
      Agraph_t* sub = agsubg(lg, const_cast<char*>(prefix), 1);
      set(sub, "rank", rank);
      for (std::size_t k = 0; k < count; ++k) {
        Agnode_t* n = agsubnode(sub, node(lg, prefix + std::to_string(k)), 1);
        set(n, "shape", "point");
        set(n, "width", "0.01");
        set(n, "label", "");
        nodes.push_back(n);
      }
    };
    add_ports(in_ports_[g].size(), "in", "source", own_in);
    add_ports(out_ports_[g].size(), "out", "sink", own_out);

    const bool lr = options_.left_to_right;
    auto end_node = [&](const Endpoint& end, std::string& port) -> Agnode_t* {
      switch (end.kind) {
        case Endpoint::Item:
          return item_nodes.at(end.index);
        case Endpoint::ChildIn:
          port = "i" + std::to_string(end.port) + (lr ? ":w" : ":n");
          return child_nodes.at(end.index);
        case Endpoint::ChildOut:
          port = "o" + std::to_string(end.port) + (lr ? ":e" : ":s");
          return child_nodes.at(end.index);
        case Endpoint::OwnIn:
          return own_in.at(end.port);
        case Endpoint::OwnOut:
          return own_out.at(end.port);
      }
      return nullptr;
    };
    std::vector<std::pair<int, Agedge_t*>> edges;
    for (int p : group_pieces_[g]) {
      const Piece& piece = pieces_[p];
      std::string tail_port, head_port;
      Agnode_t* tail = end_node(piece.tail, tail_port);
      Agnode_t* head = end_node(piece.head, head_port);
      Agedge_t* e = agedge(lg, tail, head, const_cast<char*>(("p" + std::to_string(p)).c_str()), 1);
      if (!tail_port.empty()) set(e, "tailport", tail_port);
      if (!head_port.empty()) set(e, "headport", head_port);
      if (piece.head.kind != Endpoint::Item) set(e, "arrowhead", "none");
      if (!piece.label.empty()) set(e, "label", piece.label);
      edges.push_back({p, e});
    }

    if (gvLayout(gvc, lg, "dot") != 0)
      throw Error("Graphviz could not lay out group '" + group.path + "'");
    GroupLayout& l = layouts_[g];
    const boxf bb = GD_bb(lg);
    l.llx = bb.LL.x;
    l.lly = bb.LL.y;
    l.urx = bb.UR.x;
    l.ury = bb.UR.y;
    l.width = std::ceil(l.urx - l.llx + 2 * kClusterMargin);
    l.height = std::ceil(l.ury - l.lly + 2 * kClusterMargin + kClusterLabelHeight);
    for (const auto& [i, n] : item_nodes)
      item_pos_[i] = {ND_coord(n).x, ND_coord(n).y, ND_width(n), ND_height(n)};
    for (const auto& [c, n] : child_nodes) child_pos_[c] = {ND_coord(n).x, ND_coord(n).y};
    for (Agnode_t* n : own_in) l.in_ports.push_back({ND_coord(n).x, ND_coord(n).y});
    for (Agnode_t* n : own_out) l.out_ports.push_back({ND_coord(n).x, ND_coord(n).y});
    for (const auto& [p, e] : edges) {
      Piece& piece = pieces_[p];
      const splines* spl = ED_spl(e);
      if (spl) {
        for (int s = 0; s < spl->size; ++s) {
          const bezier& bz = spl->list[s];
          for (int k = 0; k < bz.size; ++k) piece.points.push_back({bz.list[k].x, bz.list[k].y});
          if (bz.eflag) {
            piece.arrow = true;
            piece.arrow_tip = {bz.ep.x, bz.ep.y};
          }
        }
      }
      if (ED_label(e) && ED_label(e)->set) {
        piece.has_label = true;
        piece.label_pos = {ED_label(e)->pos.x, ED_label(e)->pos.y};
      }
    }
    gvFreeLayout(gvc, lg);
    // Stubs: from the box's side to each port inside, so that the pieces join up.
    extend_ports(g);
  }

  // Adds to the pieces starting at an own in-port (ending at an own out-port) the straight stub
  // between the port and the side of the group's box.
  void extend_ports(int g) {
    if (g == 0) return;
    const GroupLayout& l = layouts_[g];
    const bool lr = options_.left_to_right;
    auto side_point = [&](const Point& p, bool in) -> Point {
      if (lr) return {in ? l.llx - kClusterMargin : l.urx + kClusterMargin, p.y};
      return {p.x, in ? l.ury + kClusterMargin + kClusterLabelHeight : l.lly - kClusterMargin};
    };
    auto straight = [](Point a, Point b) {
      return std::vector<Point>{a,
                                {a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3},
                                {a.x + 2 * (b.x - a.x) / 3, a.y + 2 * (b.y - a.y) / 3}};
    };
    for (int p : group_pieces_[g]) {
      Piece& piece = pieces_[p];
      if (piece.points.empty()) continue;
      if (piece.tail.kind == Endpoint::OwnIn) {
        const Point port = l.in_ports.at(piece.tail.port);
        std::vector<Point> stub = straight(side_point(port, true), piece.points.front());
        piece.points.insert(piece.points.begin(), stub.begin(), stub.end());
      }
      if (piece.head.kind == Endpoint::OwnOut) {
        const Point port = l.out_ports.at(piece.head.port);
        const Point end = side_point(port, false);
        const Point from = piece.points.back();
        std::vector<Point> stub = straight(from, end);
        piece.points.insert(piece.points.end(), stub.begin() + 1, stub.end());
        piece.points.push_back(end);
      }
    }
  }

  // Child content offsets from the box each child got in its parent's layout.
  void place_children(int g) {
    const Point offset = layouts_[g].offset;
    for (int c : view_.groups[g].groups) {
      if (!view_.groups[c].expanded) continue;
      GroupLayout& child = layouts_[c];
      const Point center = {child_pos_.at(c).x + offset.x, child_pos_.at(c).y + offset.y};
      const double left = center.x - child.width / 2, bottom = center.y - child.height / 2;
      child.offset = {left + kClusterMargin - child.llx, bottom + kClusterMargin - child.lly};
      place_children(c);
    }
  }

  void add_placed_group(Agraph_t* root, Agraph_t* into, int g, std::vector<Agnode_t*>& nodes) {
    const ViewGroup& group = view_.groups[g];
    const GroupLayout& l = layouts_[g];
    for (int i : group.items) {
      Agnode_t* n = agsubnode(into, node(root, "n" + std::to_string(i)), 1);
      set_all(n, item_attributes(view_.items[i]));
      const Placed& p = item_pos_.at(i);
      set(n, "pos", format_point({p.x + l.offset.x, p.y + l.offset.y}));
      set(n, "width", std::to_string(p.width));
      set(n, "height", std::to_string(p.height));
      nodes[i] = n;
    }
    for (int c : group.groups) {
      if (!view_.groups[c].expanded) continue;
      const GroupLayout& child = layouts_[c];
      Agraph_t* cluster =
          agsubg(into, const_cast<char*>(("cluster_" + std::to_string(c)).c_str()), 1);
      set_all(cluster, group_attributes(view_.groups[c]));
      const double left = child.llx + child.offset.x - kClusterMargin;
      const double bottom = child.lly + child.offset.y - kClusterMargin;
      const double right = left + child.width, top = bottom + child.height;
      set(cluster, "bb", format_point({left, bottom}) + "," + format_point({right, top}));
      // The name at the top left, inside the label band.
      const double text_width = 6.2 * static_cast<double>(view_.groups[c].name.size());
      set(cluster, "lp",
          format_point({std::min(left + 6 + text_width / 2, (left + right) / 2),
                        top - kClusterLabelHeight / 2 - 1}));
      add_placed_group(root, cluster, c, nodes);
    }
  }

  struct Placed {
    double x = 0, y = 0, width = 0, height = 0;
  };

  // Each dot layout uses the visit mark 2 to 3 times: 80 layouts stay below its 255 values.
  static constexpr std::size_t kBatch = 80;
  const GraphView& view_;
  const RenderOptions& options_;
  std::vector<GroupLayout> layouts_;
  std::vector<std::map<PortKey, int>> in_ports_, out_ports_;
  std::vector<Piece> pieces_;
  std::map<std::tuple<int, Endpoint, Endpoint, std::string>, int> piece_index_;
  std::map<int, std::vector<int>> group_pieces_;
  std::vector<std::vector<int>> edge_pieces_;
  std::map<int, Placed> item_pos_;
  std::map<int, Point> child_pos_;
};

void render_with_graphviz(const GraphView& view, const RenderOptions& options,
                          const std::string& path, const std::string& format) {
  GvcContext gvc;
  LayoutBuilder builder(view, options);
  builder.layout();
  GvGraph placed(view.name.empty() ? "model" : view.name.c_str());
  builder.build_placed(placed.get());
  if (format == "png") {
    // Cap the bitmap at 32000 pixels a side and 120 million in all (cairo's limit is 32767); the
    // resolution is read when the drawing is placed, so it is set first.
    const auto [width, height] = builder.size();
    const double w = width / 72 * 96, h = height / 72 * 96;
    const double scale = std::min({1.0, 32000 / std::max(w, 1.0), 32000 / std::max(h, 1.0),
                                   std::sqrt(1.2e8 / std::max(w * h, 1.0))});
    set(placed.get(), "dpi", std::to_string(96 * scale));
  }
  if (gvLayout(gvc.get(), placed.get(), "nop2") != 0)
    throw Error("Graphviz could not place the drawing");
  const int status = gvRenderFilename(gvc.get(), placed.get(), format.c_str(), path.c_str());
  gvFreeLayout(gvc.get(), placed.get());
  if (status != 0) throw Error("cannot write '" + path + "': Graphviz could not render " + format);
}

}  // namespace

const char* category_color(OpCategory category) {
  switch (category) {
    case OpCategory::Convolution:
      return "#aec7e8";
    case OpCategory::Linear:
      return "#b5dfa0";
    case OpCategory::Normalization:
      return "#ffd8a8";
    case OpCategory::Activation:
      return "#f7b6b2";
    case OpCategory::Pooling:
      return "#d4c4e8";
    case OpCategory::Shape:
      return "#e4e4e4";
    case OpCategory::Elementwise:
      return "#fff3b0";
    case OpCategory::ControlFlow:
      return "#9fe0d4";
    case OpCategory::Other:
      break;
  }
  return "#ffffff";
}

std::string file_extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

void write_graph(const GraphView& view, const RenderOptions& options, const std::string& path) {
  const std::string ext = file_extension(path);
  if (ext == "dot" || ext == "gv") {
    std::ofstream file(path, std::ios::binary);
    if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    file << to_dot(view, options);
    if (!file.flush()) throw Error("cannot write '" + path + "': write error");
    return;
  }
  if (ext != "svg" && ext != "png")
    throw Error("cannot write '" + path + "': unknown format '" + ext +
                "'; expected a file ending in .svg, .png or .dot");
  {
    std::ofstream probe(path, std::ios::binary);  // a clear error before any layout work
    if (!probe) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  }
  render_with_graphviz(view, options, path, ext);
}

}  // namespace layerscope::render
