#pragma once
// "Did you mean" for names a user typed: node and tensor names of a model, ranked by closeness.
#include <cstddef>
#include <string>
#include <vector>

namespace layerscope {

// Levenshtein distance (insertions, deletions, substitutions, each 1) between two byte strings.
std::size_t edit_distance(const std::string& a, const std::string& b);

// Up to `limit` of `candidates` closest to `query`, best first, without repeats. Case is ignored.
// A candidate containing the query comes first; then by the smallest edit distance between the
// query and the whole candidate or one of its '/'-separated parts (so "fc2" is near
// "/fc/Gemm"); ties go to the shorter name, then to the earlier candidate.
std::vector<std::string> closest_names(const std::string& query,
                                       const std::vector<std::string>& candidates,
                                       std::size_t limit = 5);

}  // namespace layerscope
