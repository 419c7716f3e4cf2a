// SummaryWriter when things go wrong: buffered records and background writes, a writer killed by
// SIGKILL mid-run, a full disk, folders it cannot write to, odd tags. Files are checked by their
// bytes and by our reader.
#include "model_builder.h"
#include "tensorboard/event_reader.h"
#include "writer_workload.h"

#include <layerscope/error.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

extern char** environ;

namespace layerscope {
namespace {

using test::add_workload_record;
using test::TempDir;
namespace tb = tensorboard;
using Clock = std::chrono::steady_clock;

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::size_t file_size(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::size_t>(size);
}

std::size_t event_count(const std::string& path) { return tb::read_events(path).events.size(); }

SummaryWriterOptions buffering(double flush_seconds, std::size_t buffer_bytes) {
  SummaryWriterOptions options;
  options.flush_seconds = flush_seconds;
  options.buffer_bytes = buffer_bytes;
  return options;
}

// The workload stream written unbuffered into `dir` until the file holds at least `bytes` after
// its first record; returns those bytes (the first record, whose wall time is the writer's own,
// left out).
std::string workload_bytes(const std::string& dir, std::size_t bytes) {
  SummaryWriter writer(dir, buffering(0, 0));
  const std::size_t first = file_size(writer.file_path());
  for (int64_t i = 0; file_size(writer.file_path()) < first + bytes; ++i)
    add_workload_record(writer, i);
  writer.close();
  return read_bytes(writer.file_path()).substr(first);
}

// The size of a file's first record (the file_version event).
std::size_t first_record_size(const std::string& path) {
  return tb::read_records(path).records.at(0).size() + 16;
}

// A process-wide file size limit (RLIMIT_FSIZE) with SIGXFSZ ignored, so that write() fails with
// EFBIG past it, as it fails with ENOSPC on a full disk; both are restored on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::size_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    saved_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = static_cast<rlim_t>(bytes);
    ok_ = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, saved_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  sighandler_t saved_handler_ = SIG_DFL;
  bool ok_ = false;
};

// --- buffering ---

TEST(SummaryWriterBuffering, RecordsWaitInMemoryUntilFlushOrClose) {
  TempDir dir;
  SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0, 1 << 20));
  const std::string path = writer.file_path();
  EXPECT_EQ(event_count(path), 1u) << "the file_version record is written at once";
  for (int step = 0; step < 3; ++step) writer.add_scalar("x", step, step);
  EXPECT_EQ(event_count(path), 1u);
  writer.flush();
  EXPECT_EQ(event_count(path), 4u);
  writer.add_scalar("x", 3, 3);
  EXPECT_EQ(event_count(path), 4u);
  writer.close();
  EXPECT_EQ(event_count(path), 5u);
}

TEST(SummaryWriterBuffering, TheBackgroundThreadWritesWithoutBeingAsked) {
  TempDir dir;
  SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0.05, 1 << 20));
  writer.add_scalar("x", 1, 1);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (event_count(writer.file_path()) < 2 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(event_count(writer.file_path()), 2u);
}

TEST(SummaryWriterBuffering, AFullBufferGoesOutAsWholeRecords) {
  TempDir dir, reference_dir;
  constexpr std::size_t kBuffer = 20000;
  SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0, kBuffer));
  SummaryWriter unbuffered(reference_dir.path(), buffering(0, 0));
  const std::size_t first = first_record_size(writer.file_path());
  const std::size_t reference_first = first_record_size(unbuffered.file_path());
  bool buffered_some = false;
  for (int64_t i = 0; i < 60; ++i) {
    add_workload_record(writer, i);
    add_workload_record(unbuffered, i);
    const std::string bytes = read_bytes(writer.file_path()).substr(first);
    const std::string all = read_bytes(unbuffered.file_path()).substr(reference_first);
    ASSERT_FALSE(tb::read_records(writer.file_path()).truncated) << "after record " << i;
    ASSERT_EQ(bytes, all.substr(0, bytes.size())) << "after record " << i;
    EXPECT_LT(all.size() - bytes.size(), kBuffer) << "after record " << i;
    buffered_some = buffered_some || bytes.size() < all.size();
  }
  EXPECT_TRUE(buffered_some);
}

TEST(SummaryWriterBuffering, RejectsAnIntervalThatIsNotATime) {
  TempDir dir;
  for (double seconds : {-1.0, std::nan(""), double(INFINITY)})
    EXPECT_THROW(SummaryWriter(dir.path(), buffering(seconds, 1024)), Error) << seconds;
}

// --- a writer killed mid-run ---

// Starts `summary_writer_child LOGDIR` and reads the event file's path from its first line.
pid_t start_writer_child(const std::string& logdir, std::string& path) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string program = LAYERSCOPE_WRITER_CHILD, dir = logdir;
  char* argv[] = {program.data(), dir.data(), nullptr};
  pid_t pid = -1;
  if (::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char c;
  while (pid > 0 && ::read(out[0], &c, 1) == 1 && c != '\n') path += c;
  ::close(out[0]);
  return pid;
}

TEST(SummaryWriterCrash, SigkillMidRunLeavesWholeRecordsOfWhatWasAdded) {
  // Killed after different amounts of output, so the kill lands at different points of the run.
  int cut_tails = 0;
  for (std::size_t kill_after : {10000, 150000, 700000, 2500000}) {
    SCOPED_TRACE("killed after " + std::to_string(kill_after) + " bytes");
    TempDir dir;
    std::string path;
    const pid_t pid = start_writer_child(dir.path(), path);
    ASSERT_GT(pid, 0) << "cannot start " << LAYERSCOPE_WRITER_CHILD;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (file_size(path) < kill_after && Clock::now() < deadline &&
           ::waitpid(pid, &status, WNOHANG) == 0)
      std::this_thread::yield();
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended on its own (status " << status << ")";

    // Our reader loads it: every whole record's CRCs check out and each is an Event.
    const tb::EventFile file = tb::read_events(path);
    ASSERT_GE(file.events.size(), 2u);
    EXPECT_EQ(file.events[0].file_version, "brain.Event:2");
    for (std::size_t k = 1; k < file.events.size(); ++k)
      ASSERT_EQ(file.events[k].step, static_cast<int64_t>(k - 1)) << "record " << k;
    cut_tails += file.truncated;

    // Its bytes are exactly the start of the stream the child was adding (a cut last record
    // included), written again here without a buffer.
    const std::string killed = read_bytes(path).substr(first_record_size(path));
    TempDir reference;
    const std::string expected = workload_bytes(reference.path(), killed.size());
    EXPECT_TRUE(killed == expected.substr(0, killed.size()))
        << "the killed file is not a prefix of the records added";
  }
  std::cout << "[          ] " << cut_tails << " of 4 kills cut a record short\n";
}

// --- failed writes ---

TEST(SummaryWriterErrors, AFullDiskIsThrownByTheWriteAndWhatWasWrittenStillLoads) {
  TempDir dir;
  SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0, 8192));
  const std::string path = writer.file_path();
  const std::size_t limit = file_size(path) + 60000;
  std::string message, later_message;
  int64_t added = 0;
  {
    FileSizeLimit disk_full(limit);
    ASSERT_TRUE(disk_full.ok());
    try {
      for (; added < 1000; ++added) add_workload_record(writer, added);
    } catch (const Error& e) {
      message = e.what();
    }
    try {
      writer.add_scalar("after", 1, 0);
    } catch (const Error& e) {
      later_message = e.what();
    }
  }
  ASSERT_FALSE(message.empty()) << "no error past the size limit";
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(later_message, message) << "later records are refused with the same error";

  const tb::EventFile file = tb::read_events(path);
  EXPECT_FALSE(file.truncated) << "the partial record was not cut off";
  EXPECT_LE(file_size(path), limit);
  ASSERT_GE(file.events.size(), 2u);
  EXPECT_LE(file.events.size(), static_cast<std::size_t>(added) + 1);
  for (std::size_t k = 1; k < file.events.size(); ++k)
    EXPECT_EQ(file.events[k].step, static_cast<int64_t>(k - 1));
  EXPECT_NE(message.find("keeps its first " + std::to_string(file.events.size()) + " records"),
            std::string::npos)
      << message;
  EXPECT_THROW(writer.close(), Error);
  EXPECT_NO_THROW(writer.close());
}

TEST(SummaryWriterErrors, AFailedBackgroundWriteIsThrownByTheNextCall) {
  TempDir dir;
  SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0.01, 1 << 20));
  const std::string path = writer.file_path();
  std::string message;
  {
    FileSizeLimit disk_full(file_size(path) + 30000);
    ASSERT_TRUE(disk_full.ok());
    // The records fit the buffer; only the background thread writes. It fails once past the
    // limit, and the next add_* reports it.
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    try {
      for (int64_t i = 0; Clock::now() < deadline; ++i) {
        add_workload_record(writer, i);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (const Error& e) {
      message = e.what();
    }
  }
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_THROW(writer.flush(), Error);
  const tb::EventFile file = tb::read_events(path);
  EXPECT_FALSE(file.truncated);
  for (std::size_t k = 1; k < file.events.size(); ++k)
    EXPECT_EQ(file.events[k].step, static_cast<int64_t>(k - 1));
}

TEST(SummaryWriterErrors, AFailureNobodyWasToldOfIsPrintedByTheDestructor) {
  TempDir dir;
  std::string path, printed;
  {
    FileSizeLimit disk_full(4096);
    ASSERT_TRUE(disk_full.ok());
    testing::internal::CaptureStderr();
    {
      SummaryWriter writer(dir.path(), buffering(/*flush_seconds=*/0, 1 << 20));
      path = writer.file_path();
      for (int64_t i = 0; i < 30; ++i) add_workload_record(writer, i);  // all in the buffer
    }  // the destructor's close() writes them, past the limit
    printed = testing::internal::GetCapturedStderr();
  }
  EXPECT_NE(printed.find("layerscope: cannot write to event file '" + path + "'"),
            std::string::npos)
      << printed;
  EXPECT_FALSE(tb::read_events(path).truncated);
}

TEST(SummaryWriterErrors, AFolderItCannotWriteToIsAClearError) {
  TempDir dir;
  std::string logdir = dir.file("read-only");
  std::filesystem::create_directory(logdir);
  ::chmod(logdir.c_str(), 0555);
  if (::geteuid() == 0) {  // root writes anywhere; sysfs refuses new files even to root (or is
                           // mounted read-only in a container)
    struct stat info;
    if (::stat("/sys", &info) != 0 || !S_ISDIR(info.st_mode)) GTEST_SKIP() << "root, no /sys";
    logdir = "/sys";
  }
  for (const std::string& target : {logdir, logdir + "/new-run"}) {
    try {
      SummaryWriter writer(target);
      FAIL() << "no error for " << target;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(target), std::string::npos) << message;
      EXPECT_TRUE(message.find(std::strerror(EACCES)) != std::string::npos ||
                  message.find(std::strerror(EPERM)) != std::string::npos ||
                  message.find(std::strerror(EROFS)) != std::string::npos)
          << message;
    }
  }
  ::chmod(dir.file("read-only").c_str(), 0755);
}

// --- tags and values ---

TEST(SummaryWriterTags, AnyUtf8TagIsWrittenAsItIs) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const std::vector<std::string> tags = {
      "with space",  "ünïcödé/日本語", "/leading/slash", "trailing/",  "a//b",
      "colon:semi;", "tab\tnew\nline", "emoji 🙂",     "quote'\"\\", "layer.0/conv-1"};
  for (std::size_t i = 0; i < tags.size(); ++i) writer.add_scalar(tags[i], double(i), 0);
  const float values[] = {1, 2};
  writer.add_histogram(tags[1], values, 2, 1);
  const uint8_t pixel[3] = {1, 2, 3};
  writer.add_image(tags[7], pixel, 1, 1, 3, 1);
  writer.close();
  const tb::EventFile file = tb::read_events(writer.file_path());
  ASSERT_EQ(file.events.size(), 1 + tags.size() + 2);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ(file.events[1 + i].values.at(0).tag, tags[i]);
    EXPECT_EQ(file.events[1 + i].values.at(0).scalar, double(i));
  }
  EXPECT_EQ(file.events[1 + tags.size()].values.at(0).tag, tags[1]);
  EXPECT_EQ(file.events[2 + tags.size()].values.at(0).tag, tags[7]);
}

TEST(SummaryWriterTags, EmptyAndNonUtf8TagsAreRefusedAndNothingIsWritten) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const float values[] = {1};
  const uint8_t pixel[1] = {0};
  const Tensor tensor = Tensor::zeros(DType::Float32, {1});
  const std::vector<std::string> bad = {
      "",
      "\xff",
      "a\xc0\xaf",         // '/' in an overlong two-byte form
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "cut \xe6\x97",      // a three-byte sequence missing its last byte
      "\xf4\x90\x80\x80",  // past U+10FFFF
  };
  for (const std::string& tag : bad) {
    SCOPED_TRACE(::testing::PrintToString(tag));
    const std::string expected = tag.empty() ? "empty tag" : "not valid UTF-8";
    const auto expect_refused = [&](const std::function<void()>& add) {
      try {
        add();
        ADD_FAILURE() << "accepted";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      }
    };
    expect_refused([&] { writer.add_scalar(tag, 1, 0); });
    expect_refused([&] { writer.add_histogram(tag, values, 1, 0); });
    expect_refused([&] { writer.add_image(tag, pixel, 1, 1, 1, 0); });
    expect_refused([&] { writer.add_text(tag, "text", 0); });
    expect_refused([&] { writer.add_tensor(tag, tensor, 0); });
    expect_refused([&] { writer.add_scalars(tag, {{"a", 1.0}}, 0); });
  }
  writer.add_scalar("fine", 1, 0);
  writer.close();
  EXPECT_EQ(event_count(writer.file_path()), 2u);
}

TEST(SummaryWriterValues, ScalarsOutOfFloatRangeBecomeInfinitiesAsInPyTorch) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  writer.add_scalar("big", 1e300, 0);
  writer.add_scalar("-big", -1e300, 0);
  writer.add_scalar("inf", INFINITY, 0);
  writer.add_scalar("tiny", 1e-300, 0);
  writer.close();
  const tb::EventFile file = tb::read_events(writer.file_path());
  ASSERT_EQ(file.events.size(), 5u);
  EXPECT_EQ(file.events[1].values.at(0).scalar, INFINITY);
  EXPECT_EQ(file.events[2].values.at(0).scalar, -INFINITY);
  EXPECT_EQ(file.events[3].values.at(0).scalar, INFINITY);
  EXPECT_EQ(file.events[4].values.at(0).scalar, 0.0);
}

}  // namespace
}  // namespace layerscope
