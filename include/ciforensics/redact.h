/*
 * redact.h: removes secrets from any text before it leaves the program.
 *
 * Redaction is by context (DESIGN.md "Outputs"): key names (*_TOKEN=,
 * password=, secret...), Authorization headers, JWTs, PEM blocks, credentials
 * in URLs, token-like query keys. Bare hex (commit shas) is never touched and
 * Drone's own ****** masks stay as they are. Every output path of every
 * subcommand, error messages included, goes through cf_redact.
 * docs/redaction.md lists exactly what is redacted and what is kept.
 *
 * The patterns are compiled once, lazily, on first use; the module is not
 * thread-safe (the tool is single-threaded).
 */
#ifndef CIFORENSICS_REDACT_H
#define CIFORENSICS_REDACT_H

#include <stddef.h>
#include <stdint.h>

/* The text put where a secret was. */
#define CF_REDACTED "[REDACTED]"

/* Return a new heap string (caller frees) equal to text with every secret
 * value replaced by CF_REDACTED. text may be NULL (returns NULL). If
 * n_found is not NULL it receives the number of secrets replaced. */
char *cf_redact(const char *text, size_t *n_found);

/* As cf_redact for the first len bytes of text, which need not be
 * NUL-terminated and may hold any bytes (invalid UTF-8 included). Returns a
 * new NUL-terminated heap string (caller frees); NULL when text is NULL. */
char *cf_redact_n(const char *text, size_t len, size_t *n_found);

/* As cf_redact_n, and *out_len (may be NULL) receives the output length,
 * which matters when the input holds NUL bytes. The output is never longer
 * than 10 * len bytes: every CF_REDACTED stands for at least one input byte
 * of its own. Redacting the output again changes nothing (the text is
 * redacted to a fixed point, at most three passes). */
char *cf_redact_mem(const char *text, size_t len, size_t *out_len,
                    size_t *n_found);

/* Release the compiled patterns (optional, for leak checkers at exit). The
 * next cf_redact call compiles them again. */
void cf_redact_cleanup(void);

/* For tests: the PCRE2 match limit per call (0 restores the default). When a
 * search hits the limit, the window of text being searched is replaced whole
 * (fail closed) rather than risk letting a secret through. */
void cf_redact_set_match_limit(uint32_t limit);

#endif
