/*
 * The native yardstick of the DRAM lookup bench (bench/lookup/dram.mjs): a plain C gather,
 * out[i, :] = table[idx[i], :], one memcpy per row, built with the machine's `cc -O2` when the bench
 * runs. It makes the same table and the same rotating index sets as the Node side, from the same
 * seeds and the same generator (mulberry32, bench/shared/random.mjs), so both gather the same rows.
 *
 *   gather ROWS DIM N SETS        then, on stdin, one command per line:
 *     run K    K gathers, each of the next index set in rotation; prints the seconds they took
 *     quit
 *
 * On start it gathers set 0 and prints "ready HASH", HASH being the FNV-1a hash of that output's
 * 32-bit words, which the Node side compares with its own lookup of set 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t state;

/* mulberry32, as bench/shared/random.mjs: the next 32-bit value (the JS side divides it by 2^32). */
static uint32_t next_u32(void) {
  state += 0x6d2b79f5u;
  uint32_t t = state;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}

static void gather(const float *table, size_t dim, const int32_t *idx, size_t n, float *out) {
  const size_t row_bytes = dim * sizeof(float);
  for (size_t i = 0; i < n; i++) memcpy(out + i * dim, table + (size_t)idx[i] * dim, row_bytes);
}

static uint32_t fnv1a(const float *values, size_t count) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < count; i++) {
    uint32_t word;
    memcpy(&word, values + i, 4);
    h = (h ^ word) * 16777619u;
  }
  return h;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: gather ROWS DIM N SETS\n");
    return 2;
  }
  const size_t rows = strtoull(argv[1], 0, 10), dim = strtoull(argv[2], 0, 10);
  const size_t n = strtoull(argv[3], 0, 10), sets = strtoull(argv[4], 0, 10);
  float *table = malloc(rows * dim * sizeof(float));
  int32_t *idx = malloc(sets * n * sizeof(int32_t));
  float *out = malloc(n * dim * sizeof(float));
  if (!table || !idx || !out) {
    fprintf(stderr, "gather: out of memory\n");
    return 1;
  }
  /* Seeds as bench/lookup/dram.mjs makes them. */
  state = 0x7ab1eu ^ (uint32_t)rows ^ ((uint32_t)dim << 20);
  for (size_t i = 0; i < rows * dim; i++) table[i] = (float)((double)next_u32() / 4294967296.0 * 2 - 1);
  for (size_t s = 0; s < sets; s++) {
    state = 0x1d5u ^ (uint32_t)n ^ (uint32_t)(s * 0x9e3779b9u);
    for (size_t i = 0; i < n; i++) idx[s * n + i] = (int32_t)(((uint64_t)next_u32() * rows) >> 32);
  }
  gather(table, dim, idx, n, out);
  printf("ready %u\n", fnv1a(out, n * dim));
  fflush(stdout);

  size_t next = 1 % sets;
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long k;
    if (sscanf(line, "run %lu", &k) != 1) break;
    const double start = now();
    for (unsigned long c = 0; c < k; c++) {
      gather(table, dim, idx + next * n, n, out);
      next = (next + 1) % sets;
    }
    const double seconds = now() - start;
    /* Reading one output value keeps the compiler from dropping the copies. */
    printf("%.9e %u\n", seconds, (unsigned)(out[0] != out[0]));
    fflush(stdout);
  }
  free(table);
  free(idx);
  free(out);
  return 0;
}
