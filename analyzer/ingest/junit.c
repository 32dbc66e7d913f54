/*
 * junit.c: the JUnit XML reader (see junit.h for the counting rules).
 *
 * Parsing uses a private libxml2 parser context so that its error channel
 * (sax->serror) and the entity-declaration hook (sax->entityDecl) are ours
 * for this parse only: errors are captured into the cf_err instead of being
 * printed, and the first <!ENTITY ...> stops the parser before anything can
 * be expanded or fetched. The tree is then walked once; suites nest, and a
 * testcase takes its suite's name and timestamp.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ciforensics/junit.h"

const char *cf_junit_outcome_name(cf_junit_outcome o) {
  switch (o) {
  case CF_JUNIT_FAILURE: return "failure";
  case CF_JUNIT_ERROR: return "error";
  case CF_JUNIT_SKIPPED: return "skipped";
  case CF_JUNIT_PASS: break;
  }
  return "pass";
}

/* ---- parsing ---- */

typedef struct parse_state {
  int entity_seen;   /* an entity declaration was met: reject */
  int have_error;    /* first error (level >= XML_ERR_ERROR) captured */
  int have_warning;
  int line;
  int vague;         /* the captured message says nothing useful */
  char msg[512];
} parse_state;

static void capture(parse_state *st, const xmlError *e) {
  if (!e || e->level == XML_ERR_NONE) return;
  int is_error = e->level >= XML_ERR_ERROR;
  const char *m = e->message ? e->message : "XML error";
  /* libxml2 2.9 has no text for some codes (an unfinished CDATA section):
   * keep such a message only until a more telling one follows. */
  int vague = !strncmp(m, "Unregistered error", 18);
  if (st->have_error || (!is_error && st->have_warning)) {
    if (!st->vague || !is_error || vague) return;
  }
  st->vague = vague;
  size_t n = strlen(m);
  while (n && isspace((unsigned char)m[n - 1])) n--; /* libxml2 ends in \n */
  if (n >= sizeof st->msg) n = sizeof st->msg - 1;
  memcpy(st->msg, m, n);
  st->msg[n] = '\0';
  st->line = e->line;
  if (is_error) st->have_error = 1;
  else st->have_warning = 1;
}

/* Structured error callback; data is the parser context in both channels. */
static void on_error(void *data, xmlErrorPtr e) {
  xmlParserCtxtPtr ctxt = data;
  if (ctxt && ctxt->_private) capture(ctxt->_private, e);
}

/* Replaces SAX2's entity declaration handler: flag and stop, before the
 * entity is stored (so it can never be expanded or loaded). */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content) {
  (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
  xmlParserCtxtPtr ctxt = ctx;
  parse_state *st = ctxt->_private;
  st->entity_seen = 1;
  xmlStopParser(ctxt);
}

static xmlDocPtr parse_xml(const char *data, size_t len, const char *name,
                           cf_err *err) {
  parse_state st = {0};
  xmlInitParser();
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) {
    cf_err_set(err, "%s: cannot create an XML parser", name);
    return NULL;
  }
  ctxt->_private = &st;
  ctxt->sax->entityDecl = on_entity_decl;
  ctxt->sax->serror = on_error;
  /* Errors raised without a parser context go to the thread's global
   * structured handler: route those to us too, then restore. */
  xmlStructuredErrorFunc old_fn = xmlStructuredError;
  void *old_data = xmlStructuredErrorContext;
  xmlSetStructuredErrorFunc(ctxt, on_error);
  /* Only NONET: never NOENT, DTDLOAD, HUGE or RECOVER (DESIGN.md). */
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL,
                                    XML_PARSE_NONET);
  xmlSetStructuredErrorFunc(old_data, old_fn);
  if (st.entity_seen ||
      (doc && doc->intSubset &&
       (doc->intSubset->entities || doc->intSubset->pentities))) {
    cf_err_set(err,
               "%s: XML entity declarations are not accepted (possible XXE "
               "or entity expansion)",
               name);
    if (doc) xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return NULL;
  }
  if (!doc || !ctxt->wellFormed) {
    if (!st.have_error && !st.have_warning) {
      const xmlError *e = xmlCtxtGetLastError(ctxt);
      capture(&st, e);
    }
    if (st.have_error || st.have_warning)
      cf_err_set(err, "%s: line %d: %s", name, st.line, st.msg);
    else
      cf_err_set(err, "%s: not well-formed XML", name);
    if (doc) xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return NULL;
  }
  xmlFreeParserCtxt(ctxt);
  return doc;
}

/* ---- attribute helpers ---- */

static int is_el(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The attribute as a new cf_x string; "" when absent. */
static char *attr_dup(const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *s = cf_xstrdup(v ? (const char *)v : "");
  if (v) xmlFree(v);
  return s;
}

/* Seconds from a time attribute: "1.5", "2,503.1" (commas group thousands,
 * as Jenkins reads them), "1e-3". Returns 0 and sets *out, 1 when absent,
 * -1 when not a finite decimal number. */
static int attr_seconds(const xmlNode *n, double *out) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)"time");
  if (!v) return 1;
  char buf[64];
  size_t k = 0;
  int bad = 0;
  for (const xmlChar *p = v; *p && !bad; p++) {
    if (*p == ',') continue;
    if (isspace(*p)) continue;
    if (!isdigit(*p) && !strchr("+-.eE", *p)) bad = 1;
    else if (k + 1 < sizeof buf) buf[k++] = (char)*p;
    else bad = 1;
  }
  xmlFree(v);
  buf[k] = '\0';
  if (bad || !k) return -1;
  char *end;
  double d = strtod(buf, &end);
  if (*end || !isfinite(d)) return -1;
  *out = d;
  return 0;
}

/* A timestamp attribute: 0 read, 1 absent, -1 unreadable. */
static int attr_time(const xmlNode *n, cf_time *out, int *no_zone) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)"timestamp");
  if (!v) return 1;
  int rc = cf_time_parse((const char *)v, out, no_zone) ? -1 : 0;
  xmlFree(v);
  return rc;
}

/* First non-blank line of an element's text, cut to CF_JUNIT_MAX_MESSAGE
 * bytes at a UTF-8 boundary. */
static char *text_first_line(const xmlNode *n) {
  xmlChar *t = xmlNodeGetContent(n);
  if (!t) return NULL;
  const char *p = (const char *)t;
  char *out = NULL;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    const char *e = p;
    while (*e && *e != '\n') e++;
    size_t len = (size_t)(e - p);
    while (len && isspace((unsigned char)p[len - 1])) len--;
    if (len) {
      if (len > CF_JUNIT_MAX_MESSAGE) {
        len = CF_JUNIT_MAX_MESSAGE;
        while (len && ((unsigned char)p[len] & 0xC0) == 0x80) len--;
      }
      out = cf_xstrndup(p, len);
      break;
    }
    p = e;
  }
  xmlFree(t);
  return out;
}

/* The message of a result element: its message attribute, else its text. */
static char *result_message(const xmlNode *n) {
  xmlChar *m = xmlGetProp(n, (const xmlChar *)"message");
  if (m && *m) {
    size_t len = strlen((const char *)m);
    if (len > CF_JUNIT_MAX_MESSAGE) {
      len = CF_JUNIT_MAX_MESSAGE;
      while (len && (m[len] & 0xC0) == 0x80) len--;
    }
    char *s = cf_xstrndup((const char *)m, len);
    xmlFree(m);
    return s;
  }
  if (m) xmlFree(m);
  return text_first_line(n);
}

/* ---- the walk ---- */

typedef struct suite_ctx {
  char *name;        /* owned by the walk frame */
  cf_time ts;
  int ts_no_zone;
  double cursor;     /* seconds of earlier cases, for start estimates */
  double direct_sum; /* this suite's direct testcases, negatives as 0 */
} suite_ctx;

typedef struct walker {
  cf_junit *j;
  size_t cap;
} walker;

static cf_junit_case *new_case(walker *w, const suite_ctx *sc) {
  cf_junit_case c = {0};
  c.suite = cf_xstrdup(sc ? sc->name : "");
  c.timestamp = sc ? sc->ts : CF_TIME_NONE;
  c.ts_no_zone = sc ? sc->ts_no_zone : 0;
  c.start = NAN;
  CF_PUSH(w->j->cases, w->j->n_cases, w->cap, c);
  return &w->j->cases[w->j->n_cases - 1];
}

static void count(cf_junit *j, cf_junit_outcome o) {
  j->tests++;
  if (o == CF_JUNIT_FAILURE) j->failures++;
  else if (o == CF_JUNIT_ERROR) j->errors++;
  else if (o == CF_JUNIT_SKIPPED) j->skipped++;
}

static void add_case(walker *w, const xmlNode *n, suite_ctx *sc) {
  cf_junit *j = w->j;
  cf_junit_case *c = new_case(w, sc);
  c->classname = attr_dup(n, "classname");
  c->name = attr_dup(n, "name");
  int rc = attr_seconds(n, &c->time);
  if (rc == 0) c->has_time = 1;
  else c->time = 0;
  if (rc < 0) j->n_bad_times++;
  double pos = c->time > 0 ? c->time : 0;
  j->time += pos;
  j->time_raw += c->time;
  cf_time own;
  int nz = 0;
  int trc = attr_time(n, &own, &nz);
  if (trc == 0) {
    c->timestamp = own;
    c->ts_no_zone = nz;
    c->ts_own = 1;
    c->start = (double)own;
  } else {
    if (trc < 0) j->n_bad_timestamps++;
    if (sc && sc->ts != CF_TIME_NONE) c->start = (double)sc->ts + sc->cursor;
  }
  if (sc) {
    sc->cursor += pos;
    sc->direct_sum += pos;
  }
  if (c->ts_no_zone) j->n_no_zone++;

  const xmlNode *err = NULL, *fail = NULL, *skip = NULL;
  for (const xmlNode *k = n->children; k; k = k->next) {
    if (is_el(k, "error") && !err) err = k;
    else if (is_el(k, "failure") && !fail) fail = k;
    else if (is_el(k, "skipped") && !skip) skip = k;
  }
  const xmlNode *decider = err ? err : fail ? fail : skip;
  c->outcome = err ? CF_JUNIT_ERROR
             : fail ? CF_JUNIT_FAILURE
             : skip ? CF_JUNIT_SKIPPED
                    : CF_JUNIT_PASS;
  if (decider) {
    c->message = result_message(decider);
  } else {
    xmlChar *st = xmlGetProp(n, (const xmlChar *)"status");
    if (st) {
      static const char *skips[] = {"disabled", "notrun", "skipped", "ignored"};
      for (size_t i = 0; i < 4; i++)
        if (cf_str_ieq((const char *)st, skips[i])) {
          c->outcome = CF_JUNIT_SKIPPED;
          c->message = cf_xstrdup(skips[i]);
        }
      xmlFree(st);
    }
  }
  count(j, c->outcome);
}

/* A suite-level <error>/<failure>: one synthesised case (Jenkins' rule). */
static void add_suite_case(walker *w, const xmlNode *n, suite_ctx *sc,
                           cf_junit_outcome o) {
  cf_junit_case *c = new_case(w, sc);
  c->classname = cf_xstrdup(sc->name);
  c->name = cf_xstrdup(sc->name);
  c->synthesized = 1;
  c->outcome = o;
  c->message = result_message(n);
  if (sc->ts != CF_TIME_NONE) c->start = (double)sc->ts + sc->cursor;
  if (c->ts_no_zone) w->j->n_no_zone++;
  count(w->j, o);
}

static void walk(walker *w, const xmlNode *parent, suite_ctx *sc, int direct);

static void visit_suite(walker *w, const xmlNode *n, const suite_ctx *outer) {
  cf_junit *j = w->j;
  j->n_suites++;
  suite_ctx sc = {0};
  sc.name = attr_dup(n, "name");
  int nz = 0;
  int trc = attr_time(n, &sc.ts, &nz);
  if (trc != 0) {
    if (trc < 0) j->n_bad_timestamps++;
    /* A nested suite without its own timestamp runs inside its parent. */
    sc.ts = outer ? outer->ts : CF_TIME_NONE;
    sc.ts_no_zone = outer ? outer->ts_no_zone : 0;
  } else {
    sc.ts_no_zone = nz;
  }
  double own = 0;
  int trc2 = attr_seconds(n, &own);
  if (trc2 < 0) j->n_bad_times++;
  if (trc2 == 0 && !outer) {
    j->time_declared += own;
    j->has_time_declared = 1;
  }
  walk(w, n, &sc, 1);
  j->time_per_suite += trc2 == 0 ? (own > 0 ? own : 0) : sc.direct_sum;
  free(sc.name);
}

static void walk(walker *w, const xmlNode *parent, suite_ctx *sc, int direct) {
  int suite_level_done = 0;
  for (const xmlNode *k = parent->children; k; k = k->next) {
    if (k->type != XML_ELEMENT_NODE) continue;
    if (is_el(k, "testsuite")) {
      visit_suite(w, k, sc);
    } else if (is_el(k, "testcase")) {
      add_case(w, k, sc);
    } else if (direct && sc && !suite_level_done &&
               (is_el(k, "error") || is_el(k, "failure"))) {
      add_suite_case(w, k, sc,
                     is_el(k, "error") ? CF_JUNIT_ERROR : CF_JUNIT_FAILURE);
      suite_level_done = 1;
    } else if (is_el(k, "properties") || is_el(k, "system-out") ||
               is_el(k, "system-err") || is_el(k, "error") ||
               is_el(k, "failure") || is_el(k, "skipped")) {
      continue; /* no testcases in these */
    } else {
      walk(w, k, sc, 0); /* unknown wrapper: testcases count at any depth */
    }
  }
}

int cf_junit_load_mem(const char *data, size_t len, const char *name,
                      cf_junit *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  if (!name) name = "junit.xml";
  if (len > CF_JUNIT_MAX_BYTES)
    return cf_err_set(err, "%s: larger than the %zu-byte limit", name,
                      CF_JUNIT_MAX_BYTES);
  size_t lead = 0;
  while (lead < len && isspace((unsigned char)data[lead])) lead++;
  if (lead == len) return cf_err_set(err, "%s: empty file", name);
  xmlDocPtr doc = parse_xml(data, len, name, err);
  if (!doc) return -1;
  const xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || (!is_el(root, "testsuites") && !is_el(root, "testsuite"))) {
    cf_err_set(err, "%s: root element <%.60s> is not <testsuites> or "
               "<testsuite>", name, root ? (const char *)root->name : "");
    xmlFreeDoc(doc);
    return CF_JUNIT_NOT_JUNIT;
  }
  out->path = cf_xstrdup(name);
  walker w = {out, 0};
  if (is_el(root, "testsuite")) {
    visit_suite(&w, root, NULL);
  } else {
    walk(&w, root, NULL, 0);
  }
  xmlFreeDoc(doc);
  return 0;
}

int cf_junit_load(const char *path, cf_junit *out, cf_err *err) {
  char *data = NULL;
  size_t len = 0;
  memset(out, 0, sizeof *out);
  if (cf_read_file(path, CF_JUNIT_MAX_BYTES, &data, &len, err)) return -1;
  int rc = cf_junit_load_mem(data, len, path, out, err);
  free(data);
  return rc;
}

void cf_junit_free(cf_junit *j) {
  if (!j) return;
  for (size_t i = 0; i < j->n_cases; i++) {
    cf_junit_case *c = &j->cases[i];
    free(c->suite);
    free(c->classname);
    free(c->name);
    free(c->message);
  }
  free(j->cases);
  free(j->path);
  memset(j, 0, sizeof *j);
}
