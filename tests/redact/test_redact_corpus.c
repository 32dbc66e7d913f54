/*
 * Redaction over real CI logs (../shared/corpus-external/logs, found via
 * $CF_SHARED_DIR; skipped with exit 77 when absent): on every log,
 * redacting twice equals redacting once, every bare 40-hex commit sha
 * survives, and the real tokens that some Travis logs leaked are gone. The
 * number of redactions over the whole corpus is pinned, so a rule change
 * that starts redacting ordinary log text (or stops catching the known
 * secrets) shows up here; docs/redaction.md lists what they are.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "ciforensics/redact.h"
#include "ciforensics/util.h"

static size_t n_files, n_found;

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
static int is_alnum(char c) {
  return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* Every 40-hex word after a space, '(', '/' or a line start must survive. */
static void check_shas(const char *path, const char *in, size_t len, const char *out) {
  for (size_t i = 0; i + 40 <= len; i++) {
    if (i > 0 && !strchr(" (/\n\t", in[i - 1])) continue;
    size_t k = 0;
    while (k < 40 && is_hex(in[i + k])) k++;
    if (k < 40 || (i + 40 < len && is_alnum(in[i + 40]))) continue;
    char sha[41];
    memcpy(sha, in + i, 40);
    sha[40] = '\0';
    if (!strstr(out, sha)) {
      cf_check_failures++;
      fprintf(stderr, "%s: sha %s was redacted\n", path, sha);
    }
    cf_check_count++;
  }
}

static void check_file(const char *path) {
  char *in = NULL;
  size_t len = 0, n = 0, n2 = 0;
  cf_err err = {{0}};
  if (cf_read_file(path, 64u * 1024 * 1024, &in, &len, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    cf_check_failures++;
    return;
  }
  char *out = cf_redact_n(in, len, &n);
  char *again = cf_redact(out, &n2);
  CHECK(out && again && !strcmp(out, again));
  if (n2) fprintf(stderr, "%s: not idempotent (%zu more)\n", path, n2);
  CHECK_INT(n2, 0);
  /* Travis printed these real tokens in clear: they must go */
  CHECK(!strstr(out, "a6950c61940933417c0659e2400c1b70cdd6050b"));
  CHECK(!strstr(out, "74ee6445cccc8d8e3737f081c66fb5d49a52b6cf"));
  CHECK(!strstr(out, "9ffd28faf1c5d120b63be99b2d585156816e3789"));
  if (memchr(in, '\0', len) == NULL) check_shas(path, in, len, out);
  n_found += n;
  n_files++;
  free(in);
  free(out);
  free(again);
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk dir in name order; log files are *.log, *.txt or have no dot. */
static void walk(const char *dir, int depth) {
  if (depth > 8) return;
  DIR *d = opendir(dir);
  if (!d) return;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') CF_PUSH(names, n, cap, cf_xstrdup(e->d_name));
  closedir(d);
  qsort(names, n, sizeof *names, name_cmp);
  for (size_t i = 0; i < n; i++) {
    char *p = cf_path_join(dir, names[i]);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      walk(p, depth + 1);
    } else {
      const char *dot = strrchr(names[i], '.');
      if (!dot || !strcmp(dot, ".log") || !strcmp(dot, ".txt")) check_file(p);
    }
    free(p);
    free(names[i]);
  }
  free(names);
}

int main(void) {
  const char *shared = getenv("CF_SHARED_DIR");
  char *logs = shared ? cf_path_join(shared, "corpus-external/logs") : NULL;
  if (!logs || !cf_dir_exists(logs)) {
    printf("SKIP: %s not found (set CF_SHARED_DIR to the shared reference folder)\n",
           logs ? logs : "$CF_SHARED_DIR/corpus-external/logs");
    free(logs);
    return 77;
  }
  walk(logs, 0);
  printf("%zu logs, %zu secrets redacted\n", n_files, n_found);
  CHECK(n_files >= 400);
  /* measured on the corpus as of 2026-06; see docs/redaction.md */
  CHECK_INT(n_found, 25);
  free(logs);
  cf_redact_cleanup();
  printf("%d checks, %d failed\n", cf_check_count, cf_check_failures);
  return cf_check_failures ? 1 : 0;
}
