#pragma once
// BLAS and LAPACK (Fortran interface, column-major) for the analysis code, resolved on first use
// from Debian's liblapack.so.3 (OpenBLAS or the reference build, whichever the alternatives
// system selects, the same library libtorch uses). Loading it lazily keeps it out of the start-up
// of commands that never reduce anything.
//
// Call these from one thread at a time: the serial OpenBLAS build is not reentrant.
#include <cstddef>

namespace layerscope::analysis::lapack {

// The hidden trailing size_t arguments are the lengths of the character arguments, which gfortran
// passes and C implementations ignore.
struct Functions {
  void (*sgemm)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                const float* beta, float* c, const int* ldc, std::size_t, std::size_t);
  void (*dgemm)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                const double* alpha, const double* a, const int* lda, const double* b,
                const int* ldb, const double* beta, double* c, const int* ldc, std::size_t,
                std::size_t);
  void (*dsyrk)(const char* uplo, const char* trans, const int* n, const int* k,
                const double* alpha, const double* a, const int* lda, const double* beta, double* c,
                const int* ldc, std::size_t, std::size_t);
  void (*dsyevr)(const char* jobz, const char* range, const char* uplo, const int* n, double* a,
                 const int* lda, const double* vl, const double* vu, const int* il, const int* iu,
                 const double* abstol, int* m, double* w, double* z, const int* ldz, int* isuppz,
                 double* work, const int* lwork, int* iwork, const int* liwork, int* info,
                 std::size_t, std::size_t, std::size_t);
  void (*dgeqrf)(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
                 const int* lwork, int* info);
  void (*dorgqr)(const int* m, const int* n, const int* k, double* a, const int* lda,
                 const double* tau, double* work, const int* lwork, int* info);
  void (*dgesvd)(const char* jobu, const char* jobvt, const int* m, const int* n, double* a,
                 const int* lda, double* s, double* u, const int* ldu, double* vt, const int* ldvt,
                 double* work, const int* lwork, int* info, std::size_t, std::size_t);
};

// Throws Error naming the library and symbol when they cannot be loaded.
const Functions& functions();

// Convenience wrappers over column-major matrices; they size LAPACK's workspaces and turn a
// non-zero `info` into an Error naming the routine.

// The `count` largest eigenvalues (descending) of the symmetric n x n matrix `a` (upper triangle
// used, destroyed) and their eigenvectors as the columns of `vectors` (n x count).
void symmetric_top_eigen(double* a, int n, int count, double* values, double* vectors);
// Replaces the m x n matrix `a` (m >= n) by an orthonormal basis of its columns.
void orthonormalize_columns(double* a, int m, int n);
// Thin SVD of the m x n matrix `a` (destroyed): u (m x r), s (r), vt (r x n), r = min(m, n).
void thin_svd(double* a, int m, int n, double* u, double* s, double* vt);

}  // namespace layerscope::analysis::lapack
