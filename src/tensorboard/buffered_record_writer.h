#pragma once
// Records collected in memory and written to the event file in large pieces: by a background
// thread every `flush_seconds`, by whoever adds the record that brings it to `buffer_bytes` (so
// memory stays bounded, and a producer faster than the disk waits for it), and on flush() and
// close().
//
// Whole records only: the buffer holds complete framed records, and every write() hands the OS a
// run of them. A process killed mid-run leaves the records written before; at most the last one is
// cut short if the kill lands inside a write(), which the reader reports as a truncated tail and
// passes over. A failed write (disk full, file size limit) cuts the file back to its last whole
// record, so what was written before still loads.
//
// A failure in the background is kept and thrown, as Error naming the file and the OS's reason, by
// the next add(), flush() or close(); the records not yet written are dropped and every later
// add() throws it too.
#include "tensorboard/record_writer.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace layerscope::tensorboard {

struct BufferOptions {
  // Seconds between background writes; 0 starts no thread (records then reach the file when the
  // buffer is full, on flush() and on close()).
  double flush_seconds = 2.0;
  // The buffer is written out once it holds this many bytes; 0 writes each record as it is added.
  std::size_t buffer_bytes = std::size_t(1) << 20;
};

class BufferedRecordWriter {
 public:
  // Throws Error if the options are out of range (negative or not finite).
  BufferedRecordWriter(RecordWriter file, BufferOptions options);
  ~BufferedRecordWriter();  // close(), errors ignored (SummaryWriter reports them)
  BufferedRecordWriter(const BufferedRecordWriter&) = delete;
  BufferedRecordWriter& operator=(const BufferedRecordWriter&) = delete;

  // Frames `data` as one record and buffers it. Thread-safe. Throws Error if the file is closed or
  // an earlier write failed.
  void add(std::string_view data);
  // Writes the buffer and, with `sync`, fdatasyncs the file. Does nothing once closed (but throws
  // if a write failed).
  void flush(bool sync = true);
  // Writes the buffer, syncs and closes the file; later add() calls throw. Throws Error if any
  // write failed; a second call does nothing.
  void close();

  bool closed() const;  // close() was called
  // A write failed and its Error has been thrown to a caller.
  bool failure_reported() const;
  const std::string& path() const { return path_; }

 private:
  // The lock around the buffer, taken twice per record: an atomic exchange to take and a plain
  // store to give back, against a mutex's two atomic operations and calls into libc (7% of the
  // CPU time of writing small records). Holders only append, swap or read a flag.
  class SpinLock {
   public:
    void lock() {
      while (locked_.exchange(true, std::memory_order_acquire))
        while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    void unlock() { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };

  void write_buffer(bool sync);
  void background_loop();
  void throw_if_failed();  // with state_lock_ held

  const std::string path_;
  const BufferOptions options_;
  // Lock order: close_mutex_, then file_mutex_, then state_lock_.
  std::mutex close_mutex_;
  std::mutex file_mutex_;  // one writer of the file at a time, in buffer order
  RecordWriter file_;      // guarded by file_mutex_
  std::string spare_;      // guarded by file_mutex_: the buffer being written, kept for reuse
  std::size_t records_in_file_ = 0;
  mutable SpinLock state_lock_;  // guards the members below it up to the timer's
  std::string buffer_;
  std::size_t records_in_buffer_ = 0;
  std::optional<std::string> failure_;
  bool failure_reported_ = false;
  bool closed_ = false;
  std::mutex timer_mutex_;  // the background thread's sleep, and stop_
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // started last, in the constructor
};

}  // namespace layerscope::tensorboard
