/* redact.c: placeholder until the redaction module lands (issue 2). */
#include "ciforensics/redact.h"
#include "ciforensics/util.h"

char *cf_redact(const char *text, size_t *n_found) {
  if (n_found) *n_found = 0;
  return cf_xstrdup(text);
}

void cf_redact_cleanup(void) {}
