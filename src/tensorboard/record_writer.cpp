// TFRecord framing with masked CRC32C (io/crc32c.h), and the unbuffered file writer.
#include "tensorboard/record_writer.h"

#include "io/crc32c.h"

#include <layerscope/error.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace layerscope::tensorboard {
namespace {

void put_le32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
void put_le64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

std::string os_error() { return std::strerror(errno); }

}  // namespace

RecordFrame record_frame(std::string_view data) {
  RecordFrame frame;
  put_le64(frame.header, data.size());
  put_le32(frame.header + 8, io::mask_crc(io::crc32c(frame.header, 8)));
  put_le32(frame.footer, io::mask_crc(io::crc32c(data.data(), data.size())));
  return frame;
}

std::string frame_record(std::string_view data) {
  const RecordFrame frame = record_frame(data);
  std::string record;
  record.reserve(sizeof frame.header + data.size() + sizeof frame.footer);
  record.append(frame.header, sizeof frame.header).append(data);
  return record.append(frame.footer, sizeof frame.footer);
}

std::size_t whole_records_prefix(std::string_view records, std::size_t limit, std::size_t& count) {
  limit = std::min(limit, records.size());
  std::size_t at = 0;
  count = 0;
  while (limit - at >= 16) {
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
      length = (length << 8) | static_cast<unsigned char>(records[at + i]);
    if (length > limit - at - 16) break;
    at += 16 + length;
    ++count;
  }
  return at;
}

std::optional<RecordWriter> RecordWriter::create_if_new(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) return RecordWriter(fd, path);
  if (errno == EEXIST) return std::nullopt;
  throw Error("cannot create event file '" + path + "': " + os_error());
}

RecordWriter RecordWriter::create(const std::string& path) {
  std::optional<RecordWriter> file = create_if_new(path);
  if (!file) throw Error("cannot create event file '" + path + "': " + std::strerror(EEXIST));
  return std::move(*file);
}

RecordWriter::RecordWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

RecordWriter::RecordWriter(RecordWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      size_(std::exchange(other.size_, 0)) {}

RecordWriter& RecordWriter::operator=(RecordWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

RecordWriter::~RecordWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordWriter::write(std::string_view data) {
  std::size_t written = 0;
  write_bytes(frame_record(data), written);
}

void RecordWriter::write_bytes(std::string_view bytes, std::size_t& written) {
  written = 0;
  if (fd_ < 0) throw Error("cannot write to event file '" + path_ + "': it is closed");
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write to event file '" + path_ + "': " + os_error());
    }
    written += static_cast<std::size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
}

void RecordWriter::truncate(uint64_t size) {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0 ||
      ::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0)
    throw Error("cannot cut event file '" + path_ + "' back to " + std::to_string(size) +
                " bytes: " + os_error());
  size_ = size;
}

void RecordWriter::sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    throw Error("cannot sync event file '" + path_ + "': " + os_error());
}

void RecordWriter::close() {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0 && errno != EINTR)
    throw Error("cannot close event file '" + path_ + "': " + os_error());
}

}  // namespace layerscope::tensorboard
