#include "analysis/lapack.h"

#include <layerscope/error.h>

#include <dlfcn.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace layerscope::analysis::lapack {
namespace {

template <typename F>
void resolve(void* handle, const char* library, const char* name, F*& out) {
  out = reinterpret_cast<F*>(dlsym(handle, name));
  if (!out)
    throw Error(std::string("cannot find ") + name + " in " + library +
                " (PCA and t-SNE need BLAS and LAPACK)");
}

void check_info(int info, const char* routine) {
  if (info < 0)
    throw Error(std::string("LAPACK ") + routine + ": argument " + std::to_string(-info) +
                " is invalid (a layerscope bug)");
  if (info > 0)
    throw Error(std::string("LAPACK ") + routine + " did not converge (info " +
                std::to_string(info) + ")");
}

}  // namespace

const Functions& functions() {
  static Functions table{};
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    // liblapack.so.3 pulls in libblas.so.3 (or is OpenBLAS itself): dlsym on its handle finds both.
    const char* library = "liblapack.so.3";
    void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      failure = std::string("cannot load ") + library + ": " + dlerror() +
                " (PCA and t-SNE need LAPACK; on Debian: apt install liblapack3)";
      return;
    }
    try {
      resolve(handle, library, "sgemm_", table.sgemm);
      resolve(handle, library, "dgemm_", table.dgemm);
      resolve(handle, library, "dsyrk_", table.dsyrk);
      resolve(handle, library, "dsyevr_", table.dsyevr);
      resolve(handle, library, "dgeqrf_", table.dgeqrf);
      resolve(handle, library, "dorgqr_", table.dorgqr);
      resolve(handle, library, "dgesvd_", table.dgesvd);
    } catch (const Error& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw Error(failure);
  return table;
}

void symmetric_top_eigen(double* a, int n, int count, double* values, double* vectors) {
  const Functions& f = functions();
  const int il = n - count + 1, iu = n;
  const double unused = 0, abstol = 0;
  int found = 0, info = 0;
  std::vector<double> w(n);
  std::vector<int> isuppz(2 * std::max(1, count));
  // Workspace query, then the call.
  int lwork = -1, liwork = -1, iwork_size = 0;
  double work_size = 0;
  f.dsyevr("V", "I", "U", &n, a, &n, &unused, &unused, &il, &iu, &abstol, &found, w.data(), vectors,
           &n, isuppz.data(), &work_size, &lwork, &iwork_size, &liwork, &info, 1, 1, 1);
  check_info(info, "dsyevr");
  lwork = static_cast<int>(work_size);
  liwork = iwork_size;
  std::vector<double> work(std::max(1, lwork));
  std::vector<int> iwork(std::max(1, liwork));
  f.dsyevr("V", "I", "U", &n, a, &n, &unused, &unused, &il, &iu, &abstol, &found, w.data(), vectors,
           &n, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
  check_info(info, "dsyevr");
  if (found != count) throw Error("LAPACK dsyevr found fewer eigenvalues than asked");
  // Ascending from LAPACK; the callers want the largest first.
  for (int j = 0; j < count; ++j) values[j] = w[count - 1 - j];
  for (int j = 0; j < count / 2; ++j)
    std::swap_ranges(vectors + static_cast<std::size_t>(j) * n,
                     vectors + static_cast<std::size_t>(j + 1) * n,
                     vectors + static_cast<std::size_t>(count - 1 - j) * n);
}

void orthonormalize_columns(double* a, int m, int n) {
  const Functions& f = functions();
  std::vector<double> tau(n);
  int info = 0, lwork = -1;
  double work_size = 0;
  f.dgeqrf(&m, &n, a, &m, tau.data(), &work_size, &lwork, &info);
  check_info(info, "dgeqrf");
  lwork = std::max(static_cast<int>(work_size), n);
  std::vector<double> work(lwork);
  f.dgeqrf(&m, &n, a, &m, tau.data(), work.data(), &lwork, &info);
  check_info(info, "dgeqrf");
  lwork = -1;
  f.dorgqr(&m, &n, &n, a, &m, tau.data(), &work_size, &lwork, &info);
  check_info(info, "dorgqr");
  lwork = std::max(static_cast<int>(work_size), n);
  work.resize(lwork);
  f.dorgqr(&m, &n, &n, a, &m, tau.data(), work.data(), &lwork, &info);
  check_info(info, "dorgqr");
}

void thin_svd(double* a, int m, int n, double* u, double* s, double* vt) {
  const Functions& f = functions();
  const int r = std::min(m, n);
  int info = 0, lwork = -1;
  double work_size = 0;
  f.dgesvd("S", "S", &m, &n, a, &m, s, u, &m, vt, &r, &work_size, &lwork, &info, 1, 1);
  check_info(info, "dgesvd");
  lwork = static_cast<int>(work_size);
  std::vector<double> work(std::max(1, lwork));
  f.dgesvd("S", "S", &m, &n, a, &m, s, u, &m, vt, &r, work.data(), &lwork, &info, 1, 1);
  check_info(info, "dgesvd");
}

}  // namespace layerscope::analysis::lapack
