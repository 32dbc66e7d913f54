/*
 * files.c: whole-file reads with a size bound, path helpers, and the search
 * for the data directory (DESIGN.md "Command line", last paragraph).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_config.h"
#include "ciforensics/util.h"

int cf_read_file(const char *path, size_t max, char **out, size_t *len,
                 cf_err *err) {
  *out = NULL;
  if (len) *len = 0;
  /* O_NONBLOCK so that a FIFO without a writer cannot block open(); it is
   * cleared again for the reads, which then see the writer's data or EOF.
   * A pipe is allowed (--events <(command)); a device or a directory not. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return cf_err_set(err, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return cf_err_set(err, "%s: cannot open: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    close(fd);
    return cf_err_set(err, "%s: %s", path,
                      S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
  }
  int fl = fcntl(fd, F_GETFL);
  FILE *f = fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ? NULL : fdopen(fd, "rb");
  if (!f) {
    int e = errno;
    close(fd);
    return cf_err_set(err, "%s: cannot open: %s", path, strerror(e));
  }
  cf_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > max) {
      fclose(f);
      cf_buf_free(&b);
      return cf_err_set(err, "%s: larger than the %zu-byte limit", path, max);
    }
    cf_buf_append(&b, chunk, n);
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    cf_buf_free(&b);
    return cf_err_set(err, "%s: read error", path);
  }
  if (b.len == 0 && S_ISFIFO(st.st_mode)) {
    /* an empty file can be a deliberate "none"; an empty pipe is a writer
     * that failed or never came (--events <(command) when command failed) */
    cf_buf_free(&b);
    return cf_err_set(err, "%s: a pipe or FIFO that gave no data", path);
  }
  if (len) *len = b.len;
  *out = cf_buf_steal(&b);
  return 0;
}

int cf_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cf_dir_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cf_path_join(const char *a, const char *b) {
  cf_buf out = {0};
  cf_buf_puts(&out, a);
  if (out.len && out.data[out.len - 1] != '/') cf_buf_putc(&out, '/');
  cf_buf_puts(&out, b);
  return cf_buf_steal(&out);
}

static char g_argv0[PATH_MAX];

void cf_set_argv0(const char *argv0) {
  if (argv0) snprintf(g_argv0, sizeof g_argv0, "%s", argv0);
}

/* A data directory holds the rule library; build trees also have a
 * folder named rules/ (object files), so look for a file in it. */
static int has_rules(const char *dir) {
  char *r = cf_path_join(dir, "rules/tiers.yaml");
  int ok = cf_file_exists(r);
  free(r);
  return ok;
}

const char *cf_data_dir(void) {
  static char found[PATH_MAX];
  if (found[0]) return found;
  const char *env = getenv("CIFORENSICS_DATA");
  if (env && *env) {
    snprintf(found, sizeof found, "%s", env);
    return found;
  }
  /* Next to the executable: the build tree keeps the binary in
   * <build>/analyzer/cli, so also look a few levels up, and at the source
   * tree the build was configured from. */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0 && g_argv0[0]) {
    snprintf(exe, sizeof exe, "%s", g_argv0);
    n = (ssize_t)strlen(exe);
  }
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    for (int up = 0; slash && up < 4; up++) {
      *slash = '\0';
      if (has_rules(exe)) {
        snprintf(found, sizeof found, "%s", exe);
        return found;
      }
      slash = strrchr(exe, '/');
    }
  }
  if (has_rules(CF_INSTALL_DATADIR)) {
    snprintf(found, sizeof found, "%s", CF_INSTALL_DATADIR);
    return found;
  }
  /* An out-of-tree build directory: the source tree it was built from. */
  if (has_rules(CF_SOURCE_ROOT)) {
    snprintf(found, sizeof found, "%s", CF_SOURCE_ROOT);
    return found;
  }
  snprintf(found, sizeof found, "%s", CF_INSTALL_DATADIR);
  return found;
}
