// layerscope-summary-bench: how fast the SummaryWriter bins histograms and writes events, against
// their anchors. Prints medians over rounds and the ratios with their targets (bench/README.md).
//
//   layerscope-summary-bench [--rounds R] [--values N] [--events N] [--dir DIR]
//                            [--only histogram|events]
#include <layerscope/error.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include "tensorboard/buffered_record_writer.h"
#include "tensorboard/event_reader.h"
#include "tensorboard/histogram.h"
#include "tensorboard/record_writer.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace tb = layerscope::tensorboard;
using Clock = std::chrono::steady_clock;

struct Settings {
  int rounds = 9;
  std::size_t values = 10'000'000;
  std::size_t events = 100'000;
  std::string dir;
  std::string only;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double cpu_seconds(clockid_t clock) {
  timespec t;
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Medians over rounds of the wall time and of the CPU time (all threads of the process, user and
// kernel), in seconds. On a shared machine the CPU time is the steadier of the two: waiting for a
// core is not counted.
struct Timing {
  double wall = 0, cpu = 0;
};

// `prepare`, untimed, runs before each round (removing the last round's file: freeing its pages is
// no part of the next write).
Timing time_rounds(int rounds, const std::function<void()>& body,
                   const std::function<void()>& prepare = nullptr) {
  std::vector<double> wall, cpu;
  for (int r = 0; r < rounds; ++r) {
    if (prepare) prepare();
    const double cpu_start = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const auto start = Clock::now();
    body();
    wall.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    cpu.push_back(cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
  }
  return {median(wall), median(cpu)};
}

// Several ways of doing one job, taken in turn within each round, so that the machine speeding up
// or slowing down between rounds hits them alike. Each way gets its medians and its ratios to the
// first way (the anchor): the median over rounds of its time over the anchor's in the same round.
struct Compared {
  Timing timing;
  double cpu_ratio = 0, wall_ratio = 0;
};

std::vector<Compared> time_interleaved(int rounds, const std::vector<std::function<void()>>& bodies,
                                       const std::function<void()>& prepare) {
  const std::size_t n = bodies.size();
  std::vector<std::vector<double>> wall(n), cpu(n), wall_ratio(n), cpu_ratio(n);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t b = 0; b < n; ++b) {
      const Timing t = time_rounds(1, bodies[b], prepare);
      wall[b].push_back(t.wall);
      cpu[b].push_back(t.cpu);
      wall_ratio[b].push_back(t.wall / wall[0].back());
      cpu_ratio[b].push_back(t.cpu / cpu[0].back());
    }
  }
  std::vector<Compared> out(n);
  for (std::size_t b = 0; b < n; ++b)
    out[b] = {{median(wall[b]), median(cpu[b])}, median(cpu_ratio[b]), median(wall_ratio[b])};
  return out;
}

const char* verdict(bool pass) { return pass ? "PASS" : "MISS"; }

// --- histogram binning ---

std::vector<float> distribution(const std::string& name, std::size_t n) {
  std::mt19937 rng(1);
  std::vector<float> values(n);
  if (name == "normal(0,1)") {
    std::normal_distribution<float> normal;
    for (float& v : values) v = normal(rng);
  } else if (name == "relu(normal)") {  // half exact zeros, as after a ReLU
    std::normal_distribution<float> normal;
    for (float& v : values) v = std::max(0.0f, normal(rng));
  } else if (name == "relu(normal - 1)") {  // 84% exact zeros, as deep in a ReLU network
    std::normal_distribution<float> normal(-1.0f, 1.0f);
    for (float& v : values) v = std::max(0.0f, normal(rng));
  } else {  // magnitudes spread over 1e-30 .. 1e30, both signs: every bucket in use
    std::uniform_real_distribution<float> exponent(-30, 30);
    for (float& v : values) v = (rng() % 2 ? 1.0f : -1.0f) * std::pow(10.0f, exponent(rng));
  }
  return values;
}

void bench_histogram(const Settings& s) {
  std::printf("histogram binning, %zu float32 values (%.0f MB), one thread, median of %d rounds\n",
              s.values, s.values * 4 / 1e6, s.rounds);
  std::printf("(GB/s from CPU time; wall time alongside):\n");
  std::printf("  %-24s %24s %24s %12s\n", "values", "exponential buckets", "64 equal bins",
              "statistics");
  double worst = INFINITY;
  for (const std::string name :
       {"normal(0,1)", "relu(normal)", "relu(normal - 1)", "log-uniform 1e-30..1e30"}) {
    const std::vector<float> values = distribution(name, s.values);
    double sink = 0;
    const Timing t = time_rounds(
        s.rounds, [&] { sink += tb::make_histogram(values.data(), values.size()).num; });
    const Timing bins = time_rounds(s.rounds, [&] {
      sink += tb::make_histogram_equal_bins(values.data(), values.size(), 64).num;
    });
    // The statistics `layerscope run` computes (one fused pass), as a yardstick.
    const layerscope::Tensor tensor =
        layerscope::Tensor::wrap(layerscope::DType::Float32, {static_cast<int64_t>(values.size())},
                                 const_cast<float*>(values.data()), nullptr);
    const Timing stats =
        time_rounds(s.rounds, [&] { sink += layerscope::compute_stats(tensor).mean; });
    const double bytes = static_cast<double>(values.size()) * 4;
    worst = std::min(worst, bytes / t.cpu / 1e9);
    std::printf("  %-24s %6.2f GB/s (%6.1f ms wall) %6.2f GB/s (%6.1f ms wall) %6.2f GB/s%s\n",
                name.c_str(), bytes / t.cpu / 1e9, t.wall * 1e3, bytes / bins.cpu / 1e9,
                bins.wall * 1e3, bytes / stats.cpu / 1e9, sink < 0 ? " " : "");
  }
  std::printf("  slowest exponential: %.2f GB/s; target >= 1 GB/s: %s\n\n", worst,
              verdict(worst >= 1.0));
}

// --- writing events ---

struct Workload {
  std::string name;
  std::function<void(layerscope::SummaryWriter&, std::size_t)> add;  // adds event i
  std::size_t count;
};

// The records a SummaryWriter writes for `w` (the file_version record left out).
std::vector<std::string> workload_records(const Settings& s, const Workload& w) {
  const std::string dir = s.dir + "/records";
  std::vector<std::string> records;
  {
    layerscope::SummaryWriter writer(dir);
    for (std::size_t i = 0; i < w.count; ++i) w.add(writer, i);
    writer.close();
    records = tb::read_records(writer.file_path()).records;
    std::filesystem::remove_all(dir);
  }
  records.erase(records.begin());
  return records;
}

int open_new(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw layerscope::Error("cannot create " + path + ": " + std::strerror(errno));
  return fd;
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0) throw layerscope::Error(std::string("write: ") + std::strerror(errno));
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

void bench_events(const Settings& s) {
  std::printf(
      "writing events into %s (every row ends with fdatasync and close), the rows taken in "
      "turn in each of %d rounds; medians, and the median over rounds of each row's time "
      "over the anchor's:\n",
      s.dir.c_str(), s.rounds);
  std::vector<float> histogram_values(1000);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (float& v : histogram_values) v = normal(rng);
  std::vector<float> layer_values(4096);
  for (float& v : layer_values) v = std::max(0.0f, normal(rng));
  std::vector<uint8_t> image(64 * 64);
  for (uint8_t& p : image) p = static_cast<uint8_t>(rng() >> 24);
  const std::vector<Workload> workloads = {
      {"scalars",
       [](layerscope::SummaryWriter& w, std::size_t i) {
         w.add_scalar("layer1/conv/mean", 0.5 * i, i, 1e9 + i);
       },
       s.events},
      {"histograms of 1000 values",
       [&](layerscope::SummaryWriter& w, std::size_t i) {
         w.add_histogram("layer1/conv", histogram_values.data(), histogram_values.size(), i,
                         1e9 + i);
       },
       s.events / 5},
      {"events as `log` writes them (per layer: a histogram of 4096 values, 5 scalars, a 64x64 "
       "image)",
       [&](layerscope::SummaryWriter& w, std::size_t i) {
         const std::size_t layer = i / 7;
         if (i % 7 == 0) {
           w.add_histogram("layer", layer_values.data(), layer_values.size(), layer, 1e9 + i);
         } else if (i % 7 == 6) {
           w.add_image("layer/feature_maps", image.data(), 64, 64, 1, layer, 1e9 + i);
         } else {
           w.add_scalar("layer/mean", 0.5 * i, layer, 1e9 + i);
         }
       },
       s.events / 5},
  };
  const std::size_t chunk = std::size_t(1) << 20;
  const std::string path = s.dir + "/events.bench";
  const std::string summary_dir = s.dir + "/summary";
  const auto remove_files = [&] {
    std::filesystem::remove(path);
    std::filesystem::remove_all(summary_dir);
  };
  bool all_pass = true;
  for (const Workload& w : workloads) {
    const std::vector<std::string> records = workload_records(s, w);
    // Both sides read their bytes from one block of memory: the framed records for write(), the
    // records' data, back to back, for the writer.
    std::string framed, payload;
    std::vector<std::string_view> views;
    for (const std::string& r : records) {
      framed += tb::frame_record(r);
      payload += r;
    }
    for (std::size_t at = 0, k = 0; k < records.size(); at += records[k++].size())
      views.emplace_back(payload.data() + at, records[k].size());
    std::printf("  %zu %s, %.1f MB of records:\n", records.size(), w.name.c_str(),
                framed.size() / 1e6);

    const auto anchor = [&] {
      const int fd = open_new(path);
      for (std::size_t at = 0; at < framed.size(); at += chunk)
        write_all(fd, framed.data() + at, std::min(chunk, framed.size() - at));
      ::fdatasync(fd);
      ::close(fd);
    };
    const auto per_record = [&] {
      const int fd = open_new(path);
      for (std::size_t at = 0; at < framed.size();) {
        uint64_t length = 0;
        std::memcpy(&length, framed.data() + at, 8);  // little endian, as this machine
        write_all(fd, framed.data() + at, 16 + length);
        at += 16 + length;
      }
      ::fdatasync(fd);
      ::close(fd);
    };
    const auto buffered = [&] {
      tb::BufferedRecordWriter writer(tb::RecordWriter::create(path), tb::BufferOptions{});
      for (std::string_view r : views) writer.add(r);
      writer.close();
    };
    const auto summary_writer = [&] {
      layerscope::SummaryWriter writer(summary_dir);
      for (std::size_t i = 0; i < w.count; ++i) w.add(writer, i);
      writer.close();
    };
    const std::vector<Compared> t =
        time_interleaved(s.rounds, {anchor, per_record, buffered, summary_writer}, remove_files);
    remove_files();

    const double ratio = t[2].cpu_ratio;
    all_pass = all_pass && ratio <= 2.0;
    const auto row = [&](const char* what, const Compared& c, const char* note) {
      std::printf("    %-62s %9.2f ms %6.2fx %9.2f ms %6.2fx  %s\n", what, c.timing.cpu * 1e3,
                  c.cpu_ratio, c.timing.wall * 1e3, c.wall_ratio, note);
    };
    std::printf("    %-62s %12s %7s %12s %7s\n", "", "CPU", "ratio", "wall", "ratio");
    row("write() of the same bytes, 1 MiB at a time", t[0], "(anchor)");
    row("write() of the same bytes, one record at a time", t[1], "");
    row("BufferedRecordWriter: frame, CRC, buffer, write", t[2],
        ratio <= 2.0 ? "target <= 2x: PASS" : "target <= 2x: MISS");
    row("SummaryWriter::add_* from the values (+ binning, PNG, protobuf)", t[3], "");
  }
  std::printf("  BufferedRecordWriter within 2x of write() in every workload (CPU time): %s\n\n",
              verdict(all_pass));
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  s.dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--rounds" && has_value) {
      s.rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--values" && has_value) {
      s.values = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--events" && has_value) {
      s.events = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir" && has_value) {
      s.dir = argv[++i];
    } else if (arg == "--only" && has_value) {
      s.only = argv[++i];
    } else {
      std::cerr << "usage: layerscope-summary-bench [--rounds R] [--values N] [--events N] "
                   "[--dir DIR] [--only histogram|events]\n";
      return 2;
    }
  }
  s.dir += "/layerscope-summary-bench-" + std::to_string(::getpid());
  try {
    std::filesystem::create_directories(s.dir);
    if (s.only.empty() || s.only == "histogram") bench_histogram(s);
    if (s.only.empty() || s.only == "events") bench_events(s);
  } catch (const std::exception& e) {
    std::cerr << "layerscope-summary-bench: " << e.what() << "\n";
    std::filesystem::remove_all(s.dir);
    return 1;
  }
  std::filesystem::remove_all(s.dir);
  return 0;
}
