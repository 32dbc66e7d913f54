/*
 * fuzz_logdecode.c: feeds any bytes to the step-log decoder (logdecode.h)
 * as a logs.log_data blob. The decoder must never crash, leak or read out of
 * bounds; a decoded log must satisfy its own invariants (every line inside
 * its buffers, no "\n" inside a line), and the display sanitizer must accept
 * whatever the decoder produced. Seeds: tests/fuzz/corpus/logdecode/.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/logdecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_line(void *user, const cf_log_line *line, const char *plain,
                      const char *raw) {
  (void)plain;
  (void)raw;
  assert(line->pos >= 0 && line->time >= 0);
  (*(size_t *)user)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cf_steplog log;
  cf_err err = {{0}};
  /* the input is not NUL-terminated: the decoder must honour size */
  char *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  if (cf_steplog_decode(copy, size, (size_t)1 << 20, &log, &err) == 0) {
    assert(!err.msg[0]);
    size_t n = 0;
    cf_steplog_foreach(&log, count_line, &n);
    assert(n == log.n_lines);
    for (size_t i = 0; i < log.n_lines; i++) {
      const cf_log_line *l = &log.lines[i];
      assert(l->off + l->len < log.plain_len + 1);
      assert(l->raw_off + l->raw_len < log.raw_len + 1);
      assert(!memchr(log.plain + l->off, '\n', l->len));
      assert(!memchr(log.raw + l->raw_off, '\n', l->raw_len));
      assert(l->len <= l->raw_len);
    }
    assert(!log.is_null || log.n_lines == 0);
    cf_buf safe = {0};
    cf_steplog_safe_append(&safe, log.plain, log.plain_len, 1);
    cf_buf_free(&safe);
    cf_steplog_free(&log);
  } else {
    assert(err.msg[0]);
    assert(log.n_lines == 0 && log.lines == NULL);
  }
  free(copy);
  return 0;
}
