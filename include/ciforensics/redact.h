/*
 * redact.h: removes secrets from any text before it leaves the program.
 *
 * Redaction is by context (DESIGN.md "Outputs"): key names (*_TOKEN=,
 * password=, secret...), Authorization headers, JWTs, PEM blocks, credentials
 * in URLs, token-like query keys. Bare hex (commit shas) is never touched and
 * Drone's own ****** masks stay as they are. Every output path of every
 * subcommand, error messages included, goes through cf_redact.
 */
#ifndef CIFORENSICS_REDACT_H
#define CIFORENSICS_REDACT_H

#include <stddef.h>

/* The text put where a secret was. */
#define CF_REDACTED "[REDACTED]"

/* Return a new heap string (caller frees) equal to text with every secret
 * value replaced by CF_REDACTED. text may be NULL (returns NULL). If
 * n_found is not NULL it receives the number of secrets replaced. */
char *cf_redact(const char *text, size_t *n_found);

/* Release the compiled patterns (optional, for leak checkers at exit). */
void cf_redact_cleanup(void);

#endif
