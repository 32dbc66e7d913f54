/*
 * rules_int.h: what the files of analyzer/rules share and nobody else sees:
 * the compiled form of a pattern, the ruleset's body, the literal
 * prefilter (prefilter.c) and the one place patterns are compiled, so rules,
 * tier banners and error lines all get the same PCRE2 options.
 */
#ifndef CF_RULES_INT_H
#define CF_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "ciforensics/rules.h"

/* Patterns with more alternatives than this get no prefilter. */
#define CF_PREFILTER_MAX_LITS 64

/* A literal that any hit of its pattern must contain. */
typedef struct cf_literal {
  char *text;   /* lower-cased when caseless */
  size_t len;
  int caseless; /* ASCII case-insensitive search */
  unsigned char *skip; /* caseless: Horspool shift per folded byte (256) */
} cf_literal;

struct cf_pattern_code {
  pcre2_code *re;
  uint32_t n_groups;  /* numbered capture groups */
  int per_line;       /* lookahead or \z: never search the whole buffer */
  cf_literal *lits;   /* a hit line contains at least one; none: no prefilter */
  size_t n_lits;
};

struct cf_ruleset {
  cf_rule *rules;
  size_t n_rules;
  uint32_t max_groups;            /* for sizing match data */
  cf_literal **gates;             /* per rule: its explicit `literals`, */
  size_t *n_gates;                /*   lower-cased, searched caselessly */
  char hash[17];
  struct cf_tierdef *tiers;       /* NULL when no tiers.yaml */
  struct cf_errorlines *errorlines; /* NULL when no errorlines.yaml */
};

/* The engine's compile options (rules.h): UTF, MATCH_INVALID_UTF, MULTILINE,
 * NEVER_BACKSLASH_C, then JIT (falling back to the interpreter silently).
 * On error returns NULL with PCRE2's message and offset in msg. */
pcre2_code *cf_rules_compile(const char *pattern, size_t len, char *msg, size_t msg_size);

/* A match context with the match limit and, for the interpreter, a depth
 * limit; stack (may be NULL) is assigned for JIT. Free with
 * pcre2_match_context_free. */
pcre2_match_context *cf_rules_match_context(unsigned limit, pcre2_jit_stack *stack);

/* Derive the prefilter literals of a pattern: for each top-level
 * alternative, its longest run of required literal bytes (>= 3). When any
 * alternative has none, or the pattern uses something the deriver does not
 * understand, *n is 0 (the pattern always runs). Caller frees with
 * cf_literals_free. */
void cf_prefilter_derive(const char *pattern, cf_literal **out, size_t *n);
void cf_literals_free(cf_literal *lits, size_t n);
/* First occurrence of lit in hay[0..len), or NULL. */
const char *cf_literal_find(const cf_literal *lit, const char *hay, size_t len);

/* A literal from text (caseless: lower-cased, with its skip table). */
cf_literal cf_literal_make(const char *text, size_t len, int caseless);

/* Build the derived literals and per_line flag of every pattern of rs, and
 * the rules' gate literals. */
void cf_prefilter_prepare(cf_ruleset *rs);

#endif
