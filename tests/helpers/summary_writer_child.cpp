// Test helper: `summary_writer_child LOGDIR` writes the workload of writer_workload.h into a new
// event file in LOGDIR, forever, with frequent background writes; it prints the file's path on the
// first line of stdout. The crash test kills it with SIGKILL and reads what it left.
#include "writer_workload.h"

#include <layerscope/error.h>
#include <layerscope/summary_writer.h>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: summary_writer_child LOGDIR\n";
    return 2;
  }
  try {
    layerscope::SummaryWriterOptions options;
    options.flush_seconds = 0.005;
    options.buffer_bytes = 64 * 1024;
    layerscope::SummaryWriter writer(argv[1], options);
    std::cout << writer.file_path() << std::endl;
    for (int64_t i = 0;; ++i) layerscope::test::add_workload_record(writer, i);
  } catch (const layerscope::Error& e) {
    std::cerr << "summary_writer_child: " << e.what() << "\n";
    return 1;
  }
}
