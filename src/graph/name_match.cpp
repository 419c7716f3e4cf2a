#include "graph/name_match.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

namespace layerscope {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The smaller of the distances to the whole name and to each of its '/'-separated parts.
std::size_t name_distance(const std::string& query, const std::string& name) {
  std::size_t best = edit_distance(query, name);
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    if (end > start && end - start < name.size())
      best = std::min(best, edit_distance(query, name.substr(start, end - start)));
    start = end + 1;
  }
  return best;
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  // One row of the dynamic-programming table at a time.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_names(const std::string& query,
                                       const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  const std::string q = lower(query);
  // (not a substring, distance, length, position) sorts best first.
  std::vector<std::tuple<bool, std::size_t, std::size_t, std::size_t>> ranked;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].empty() || !seen.insert(candidates[i]).second) continue;
    const std::string c = lower(candidates[i]);
    const bool contains = !q.empty() && c.find(q) != std::string::npos;
    ranked.emplace_back(!contains, name_distance(q, c), c.size(), i);
  }
  const std::size_t count = std::min(limit, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + count, ranked.end());
  std::vector<std::string> names;
  for (std::size_t k = 0; k < count; ++k) names.push_back(candidates[std::get<3>(ranked[k])]);
  return names;
}

}  // namespace layerscope
