/*
 * Unit tests for analyzer/report/redact.c: every kind of planted secret in
 * a realistic line disappears and is counted; shas, digests, task ids,
 * Drone's masks and benign look-alikes survive byte for byte; redacting
 * twice equals redacting once; bad input (NULL, invalid UTF-8, NUL bytes,
 * 10 MB lines) is handled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/redact.h"
#include "ciforensics/util.h"

/* Redact in and compare with want; the count must equal n. Also checks
 * idempotence: redacting the output again changes nothing. */
#define EXPECT(in, want, n) expect(__FILE__, __LINE__, (in), (want), (n))
static void expect(const char *file, int line, const char *in,
                   const char *want, size_t n) {
  size_t found = 999, again = 999;
  char *out = cf_redact(in, &found);
  char *twice = cf_redact(out, &again);
  int ok = out && !strcmp(out, want) && found == n && twice &&
           !strcmp(twice, out) && again == 0;
  cf_check_count++;
  if (!ok) {
    cf_check_failures++;
    fprintf(stderr,
            "%s:%d: redaction mismatch\n  in:    \"%s\"\n  got:   \"%s\" (%zu found)\n"
            "  want:  \"%s\" (%zu found)\n  again: \"%s\" (%zu found)\n",
            file, line, in, out ? out : "(null)", found, want, n,
            twice ? twice : "(null)", again);
  }
  free(out);
  free(twice);
}
/* Text that must come out unchanged, with nothing counted. */
#define KEEP(in) expect(__FILE__, __LINE__, (in), (in), 0)

static void env_dump(void) {
  EXPECT("DRONE_TOKEN=abcdef0123456789abcdef", "DRONE_TOKEN=[REDACTED]", 1);
  EXPECT("MYSQL_ROOT_PASSWORD=S3cret!", "MYSQL_ROOT_PASSWORD=[REDACTED]", 1);
  EXPECT("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "AWS_SECRET_ACCESS_KEY=[REDACTED]", 1);
  EXPECT("DRONE_RPC_SECRET=a3f1c09e77d24b6c9d1e2f3a4b5c6d7e",
         "DRONE_RPC_SECRET=[REDACTED]", 1);
  EXPECT("DB_PASS=hunter2\nSSH_KEY=abc/def+ghi=\nDRONE_BUILD_NUMBER=557\n",
         "DB_PASS=[REDACTED]\nSSH_KEY=[REDACTED]\nDRONE_BUILD_NUMBER=557\n", 2);
  EXPECT("+ export GITHUB_TOKEN='tok en'; make",
         "+ export GITHUB_TOKEN='[REDACTED]'; make", 1);
  EXPECT("MYSQL_PWD=rootpw mysql -e 'select 1'", "MYSQL_PWD=[REDACTED] mysql -e 'select 1'", 1);
  EXPECT("//registry.npmjs.org/:_authToken=npmtok123456",
         "//registry.npmjs.org/:_authToken=[REDACTED]", 1);
  /* Travis style: a real token after a strong key, hex or not */
  EXPECT("$ export READ_ONLY_TOKEN=9ffd28faf1c5d120b63be99b2d585156816e3789",
         "$ export READ_ONLY_TOKEN=[REDACTED]", 1);
  /* two on one line, key case does not matter */
  EXPECT("password=a1b2 Token: zz9 secret = 'x y'",
         "password=[REDACTED] Token: [REDACTED] secret = '[REDACTED]'", 3);
  /* CLI flags */
  EXPECT("vault login --token s.AbCdEf123 --method=github",
         "vault login --token [REDACTED] --method=github", 1);
  EXPECT("tool --db-password=pw1 --api-key \"k 2\"",
         "tool --db-password=[REDACTED] --api-key \"[REDACTED]\"", 2);
  EXPECT("machine github.com login ci-bot password netrcpw1",
         "machine github.com login ci-bot password [REDACTED]", 1);
}

static void curl_verbose(void) {
  EXPECT("> GET /api/user HTTP/1.1\n> Host: drone.example.com\n"
         "> Authorization: Bearer 9f8e7d6c5b4a\n> Accept: */*\n",
         "> GET /api/user HTTP/1.1\n> Host: drone.example.com\n"
         "> Authorization: Bearer [REDACTED]\n> Accept: */*\n", 1);
  EXPECT("> authorization: basic dXNlcjpwYXNz", "> authorization: basic [REDACTED]", 1);
  EXPECT("curl -H 'Authorization: token abc123' https://api.github.com",
         "curl -H 'Authorization: token [REDACTED]' https://api.github.com", 1);
  EXPECT("Proxy-Authorization: Basic Zm9vOmJhcg==", "Proxy-Authorization: Basic [REDACTED]", 1);
  EXPECT("X-Api-Key: 0a1b2c3d4e5f6g", "X-Api-Key: [REDACTED]", 1);
  EXPECT("Private-Token: glp12345", "Private-Token: [REDACTED]", 1);
  EXPECT("< Set-Cookie: _session=abc123; Path=/; HttpOnly\n> Cookie: sid=9z",
         "< Set-Cookie: [REDACTED]\n> Cookie: [REDACTED]", 2);
  /* Go's http.Header dump keeps its brackets */
  EXPECT("map[Authorization:[Bearer tkn42]]", "map[Authorization:[REDACTED]]", 1);
  /* found by fuzzing: a header value that is all garbage */
  EXPECT("> Authorization: Be: s=1; Path=/\n", "> Authorization: [REDACTED]\n", 1);
}

static void urls(void) {
  EXPECT("+ git clone https://ci:p4ssw0rd@github.com/org/repo.git",
         "+ git clone https://ci:[REDACTED]@github.com/org/repo.git", 1);
  EXPECT("git clone https://x-access-token:tok123@github.com/org/repo",
         "git clone https://x-access-token:[REDACTED]@github.com/org/repo", 1);
  EXPECT("fatal: unable to access 'https://oauth2:glpat-abcdefghij0123456789@gitlab.com/a/b.git/'",
         "fatal: unable to access 'https://oauth2:[REDACTED]@gitlab.com/a/b.git/'", 1);
  /* token-only userinfo: long, letters and digits */
  EXPECT("https://934d4f62912b47d8bb03c28ae6670cf8@app.getsentry.com/69811",
         "https://[REDACTED]@app.getsentry.com/69811", 1);
  EXPECT("mysql://root:s3cr3t@db:3306/app redis://:pw@cache:6379",
         "mysql://root:[REDACTED]@db:3306/app redis://:[REDACTED]@cache:6379", 2);
  /* an unencoded '@' in the password still ends at the host */
  EXPECT("postgres://app:p@ss@db/app", "postgres://app:[REDACTED]@db/app", 1);
  /* query keys */
  EXPECT("GET https://h/cb?access_token=tkn1&page=2&key=AbC123xyz&sig=q%3D&ok=1",
         "GET https://h/cb?access_token=[REDACTED]&page=2&key=[REDACTED]&sig=[REDACTED]&ok=1", 3);
  EXPECT("https://b.s3.amazonaws.com/o?X-Amz-Signature=deadbeefcafe00112233&X-Amz-Expires=300",
         "https://b.s3.amazonaws.com/o?X-Amz-Signature=[REDACTED]&X-Amz-Expires=300", 1);
  EXPECT("?client_secret=cs1&signature=abc&password=pw",
         "?client_secret=[REDACTED]&signature=[REDACTED]&password=[REDACTED]", 3);
  /* kept: plain users, no credentials, a sha as ?key= */
  KEEP("ssh://git@github.com/org/repo.git and https://deploy@example.com/x");
  KEEP("https://github.com/org/repo/commit/d88f58011a2b3c4d5e6f708192a3b4c5d6e7f809");
  KEEP("https://ci.example.com/api/repos/org/repo/builds/557/logs/1/2");
  KEEP("git@github.com:org/repo.git");
  KEEP("https://cache/?key=d88f5801");
  /* "://" as a value is no URL: the key after it is a key (before the fix
   * each redaction pass uncovered one more key of such a chain, and eight
   * passes left the ninth in place; fuzz_redact) */
  EXPECT("PASSWD=://;PASSWD=u", "PASSWD=[REDACTED];PASSWD=[REDACTED]", 2);
  {
    char in[400] = "", want[600] = "";
    for (int i = 0; i < 12; i++) {
      strcat(in, "A_KEY=://;");
      strcat(want, "A_KEY=[REDACTED];");
    }
    strcat(in, "PASSWD=u");
    strcat(want, "PASSWD=[REDACTED]");
    EXPECT(in, want, 13);
  }
  /* a key word inside real userinfo stays the URL rule's, also with a
   * fingerprint's placeholder in it */
  KEEP("for 'https://x-access-token:ghp_<id>@github.com/org/s.git/'");
  EXPECT("https://x-token=abc:pw@h/", "https://x-token=abc:[REDACTED]@h/", 1);
}

static void docker_login(void) {
  EXPECT("+ docker login -u bob -p hunter9 registry.example.com\n"
         "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"
         "Login Succeeded\n",
         "+ docker login -u bob -p [REDACTED] registry.example.com\n"
         "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"
         "Login Succeeded\n", 1);
  EXPECT("docker login --username bob --password hunter9 r.io",
         "docker login --username bob --password [REDACTED] r.io", 1);
  KEEP("echo \"$PASS\" | docker login -u bob --password-stdin r.io");
  EXPECT("{\"auths\":{\"r.io\":{\"auth\":\"Ym9iOmh1bnRlcjk=\"}}}",
         "{\"auths\":{\"r.io\":{\"auth\":\"[REDACTED]\"}}}", 1);
}

static void config_dumps(void) {
  EXPECT("{\"user\": \"app\", \"password\": \"pa ss, word\", \"client_secret\": \"cs-123\"}",
         "{\"user\": \"app\", \"password\": \"[REDACTED]\", \"client_secret\": \"[REDACTED]\"}", 2);
  EXPECT("{\"password\":\"with \\\"quote\\\" inside\"}", "{\"password\":\"[REDACTED]\"}", 1);
  /* JSON inside a JSON string */
  EXPECT("\"env\": \"{\\\"api_key\\\": \\\"k-999\\\"}\"",
         "\"env\": \"{\\\"api_key\\\": \\\"[REDACTED]\\\"}\"", 1);
  EXPECT("database:\n  user: app\n  password: hunter2 # set by CI\n  port: 3306\n",
         "database:\n  user: app\n  password: [REDACTED] # set by CI\n  port: 3306\n", 1);
  EXPECT("passwd: x1\ntoken: \"t 2\"\napikey=k3\nspring.datasource.password=pw4\n",
         "passwd: [REDACTED]\ntoken: \"[REDACTED]\"\napikey=[REDACTED]\n"
         "spring.datasource.password=[REDACTED]\n", 4);
  EXPECT("{Password:abc User:bob}", "{Password:[REDACTED] User:bob}", 1);
  EXPECT("cfg := Config{Token: tk1}", "cfg := Config{Token: [REDACTED]}", 1);
  /* an unterminated quote still hides the word after it */
  EXPECT("password=\"abc def", "password=\"[REDACTED] def", 1);
}

static void pem_blocks(void) {
  EXPECT("key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\nabcdEF==\n"
         "-----END RSA PRIVATE KEY-----\nnext line\n",
         "key:\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n"
         "-----END RSA PRIVATE KEY-----\nnext line\n", 1);
  EXPECT("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA",
         "-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]", 1);
  EXPECT("\"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEI\\n-----END EC PRIVATE KEY-----\\n\"",
         "\"-----BEGIN EC PRIVATE KEY-----\\n[REDACTED]\\n-----END EC PRIVATE KEY-----\\n\"", 1);
  EXPECT("-----BEGIN ENCRYPTED PRIVATE KEY-----\r\nMIIFHz\r\n-----END ENCRYPTED PRIVATE KEY-----",
         "-----BEGIN ENCRYPTED PRIVATE KEY-----\r\n[REDACTED]\r\n-----END ENCRYPTED PRIVATE KEY-----", 1);
  /* a certificate is public; a cut-off BEGIN line alone has no body */
  KEEP("-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n");
  KEEP("-----BEGIN RSA PRIVATE KEY-----");
}

static void jwt_and_shapes(void) {
  EXPECT("level=info msg=\"login ok\" jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U user=bob",
         "level=info msg=\"login ok\" jwt=[REDACTED] user=bob", 1);
  EXPECT("got eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. back", "got [REDACTED] back", 1);
  EXPECT("using ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 now", "using [REDACTED] now", 1);
  EXPECT("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[REDACTED]", 1);
  EXPECT("glpat-abcdefghij0123456789 xoxb-1234567890-abcdefghij",
         "[REDACTED] [REDACTED]", 2);
  EXPECT("aws id AKIAIOSFODNN7EXAMPLE in", "aws id [REDACTED] in", 1);
  EXPECT("OPENAI sk-proj-abcdefghijklmnopqrstuvwx1234", "OPENAI [REDACTED]", 1);
  EXPECT("stripe sk_live_abcdefghijklmnop1234", "stripe [REDACTED]", 1);
  EXPECT("npm_abcdefghijklmnopqrstuvwxyz0123456789 AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
         "[REDACTED] [REDACTED]", 2);
  /* a token in a keyed value is one secret, not two */
  EXPECT("GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "GITHUB_TOKEN=[REDACTED]", 1);
  EXPECT("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3",
         "Authorization: Bearer [REDACTED]", 1);
}

static void mysql_forms(void) {
  EXPECT("+ mysql -uroot -pS3cret -h db -e 'select 1'",
         "+ mysql -uroot -p[REDACTED] -h db -e 'select 1'", 1);
  EXPECT("mysqladmin ping -h localhost -p'pw x'", "mysqladmin ping -h localhost -p'[REDACTED]'", 1);
  EXPECT("mysqldump --password=dumppw app", "mysqldump --password=[REDACTED] app", 1);
  KEEP("mysql -uroot -p\"$MYSQL_ROOT_PASSWORD\" app");
  KEEP("mysql -h db -P 3306 -u root -p");
  KEEP("docker run -d -p3306:3306 --name mysql mysql:8");
}

static void kept_byte_for_byte(void) {
  KEEP("HEAD is now at d88f5801 Merge pull request #4");
  KEEP("commit d88f58011a2b3c4d5e6f708192a3b4c5d6e7f809\nAuthor: A <a@b.c>");
  KEEP("DRONE_COMMIT_SHA=d88f58011a2b3c4d5e6f708192a3b4c5d6e7f809 DRONE_COMMIT=d42d0f7c");
  KEEP("image: mysql@sha256:4f8cdc2a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbcc");
  KEEP("task: non-zero exit (1) 0123456789abcdefghijklmno");
  KEEP("container 3f4e9a7b2c1d id 123e4567-e89b-12d3-a456-426614174000");
  KEEP("DRONE_TOKEN=****** and SECRET=******** and password: ******");
  KEEP("password reset test passed");
  KEEP("password_hash_algorithm: bcrypt");
  KEEP("token_count: 5 tokens: 12 max_tokens=4096 passwords: 3");
  KEEP("token: 5");
  KEEP("secretary: bob\nsecrets: [a, b]\nno_secret_leak: true\nclean_teardown: true");
  KEEP("environment:\n  DB_PASSWORD:\n    from_secret: db_password\n");
  KEEP("Enter password:\nauth: true\npassword: null\ntoken: ~\nsecret: |");
  KEEP("password=$DB_PASSWORD token=${TOKEN} secret=$(cat /run/secrets/x) key={{ .Key }}");
  KEEP("server-password: GITHUB_TOKEN");
  KEEP("$ export SONAR_TOKEN=[secure]");
  KEEP("--rule-key=<ruleKey>   Choose one of the following rule keys:");
  KEEP("elixir_erl_pass:translate/2");
  KEEP("Array cookie:            ac");
  KEEP("cache_key: d88f5801 and cache_key=d88f58011a2b3c4d5e6f708192a3b4c5d6e7f809");
  KEEP("Duplicate entry '1' for key 'PRIMARY'");
  KEEP("open /etc/ssl/tls.key: no such file or directory");
  KEEP("+ apt-key add - && ssh-keyscan github.com");
  KEEP("Token::new(x); if [ \"$TOKEN\" == \"\" ]; then");
  KEEP("swarm-vip-exhaustion config-secret-in-use secret-rotation");
  KEEP("");
  KEEP("plain log line with no candidates at all");
  KEEP("[REDACTED] password=[REDACTED] https://u:[REDACTED]@h");
}

static void null_and_api(void) {
  size_t n = 7;
  CHECK(cf_redact(NULL, &n) == NULL);
  CHECK_INT(n, 0);
  CHECK(cf_redact(NULL, NULL) == NULL);
  n = 7;
  CHECK(cf_redact_n(NULL, 5, &n) == NULL);
  CHECK_INT(n, 0);
  char *s = cf_redact("token=abc", NULL); /* n_found may be NULL */
  CHECK_STR(s, "token=[REDACTED]");
  free(s);
  /* cf_redact_n stops at len */
  s = cf_redact_n("token=abcdef", 8, &n);
  CHECK_STR(s, "token=[REDACTED]");
  CHECK_INT(n, 1);
  free(s);
  /* cleanup, then use again: patterns are recompiled */
  cf_redact_cleanup();
  s = cf_redact("password=x1", &n);
  CHECK_STR(s, "password=[REDACTED]");
  free(s);
  cf_redact_cleanup();
  cf_redact_cleanup(); /* twice is fine */
}

static void bytes_and_utf8(void) {
  size_t n, len;
  /* invalid UTF-8 around and inside the secret */
  EXPECT("\xff\xfe password=s\xe9\xc3(cr\xff\xfet \x80 token: \xc0\xaf",
         "\xff\xfe password=[REDACTED] \x80 token: [REDACTED]", 2);
  /* valid UTF-8 passes through */
  EXPECT("Пароль password=пароль123 ✓", "Пароль password=[REDACTED] ✓", 1);
  /* NUL bytes: the value ends at one; the bytes after survive */
  static const char in[] = "a\0token=abc\0def\0";
  char *out = cf_redact_mem(in, sizeof in - 1, &len, &n);
  static const char want[] = "a\0token=[REDACTED]\0def\0";
  CHECK_INT(len, sizeof want - 1);
  CHECK(out && !memcmp(out, want, sizeof want - 1));
  CHECK_INT(n, 1);
  CHECK(out && out[len] == '\0');
  free(out);
  /* control bytes (ANSI colour) end a value */
  EXPECT("Master-Key: 0A1B2C3D4E5F60718293\x1b[0m", "Master-Key: [REDACTED]\x1b[0m", 1);
}

/* Fill a heap buffer with count copies of unit. */
static char *repeat(const char *unit, size_t count, size_t *len) {
  size_t k = strlen(unit);
  char *s = cf_xmalloc(k * count + 1);
  for (size_t i = 0; i < count; i++) memcpy(s + i * k, unit, k);
  s[k * count] = '\0';
  *len = k * count;
  return s;
}

static void long_lines(void) {
  static const char *const benign[] = {"a=", "aaaa", "pass", "eyJ", "https://a:", "@", "mysql "};
  for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
    size_t len, n = 9, olen = 0;
    char *in = repeat(benign[i], 10u * 1024 * 1024 / strlen(benign[i]), &len);
    char *out = cf_redact_mem(in, len, &olen, &n);
    CHECK(out && olen == len && !memcmp(in, out, len));
    CHECK_INT(n, 0);
    free(in);
    free(out);
  }
  /* 10 MB of secrets: every one found, nothing of them left */
  size_t len, n = 0, olen = 0;
  char *in = repeat("password=x1 ", 10u * 1024 * 1024 / 12, &len);
  char *out = cf_redact_mem(in, len, &olen, &n);
  CHECK_INT(n, len / 12);
  CHECK_INT(olen, len / 12 * strlen("password=[REDACTED] "));
  CHECK(out && !strstr(out, "x1"));
  free(in);
  free(out);
  /* a secret straddling the internal window boundary (128 KiB) is found */
  size_t pad = 128u * 1024 - 7;
  char *big = cf_xmalloc(pad + 64);
  memset(big, ' ', pad);
  strcpy(big + pad, "token=straddler tail");
  out = cf_redact(big, &n);
  CHECK(out && strstr(out, "token=[REDACTED] tail") && !strstr(out, "straddler"));
  CHECK_INT(n, 1);
  free(out);
  free(big);
  /* long values are replaced whole, keyed or in a header */
  in = repeat("Z", 100000, &len);
  char *line = cf_xmalloc(len + 16);
  sprintf(line, "token=%s end", in);
  out = cf_redact(line, &n);
  CHECK_STR(out, "token=[REDACTED] end");
  free(out);
  free(line);
  line = cf_xmalloc(len + 32);
  sprintf(line, "Authorization: Bearer %s", in);
  out = cf_redact(line, &n);
  CHECK_STR(out, "Authorization: Bearer [REDACTED]");
  free(out);
  free(line);
  free(in);
}

static void fail_closed(void) {
  /* With a match limit of 1 every search fails: the window is redacted
   * whole rather than let a secret through. */
  size_t n = 0;
  cf_redact_set_match_limit(1);
  char *out = cf_redact("user=bob password=hunter2 ok", &n);
  CHECK(out && !strstr(out, "hunter2"));
  CHECK(n >= 1);
  free(out);
  /* text without candidates never reaches the matcher */
  out = cf_redact("plain text", &n);
  CHECK_STR(out, "plain text");
  CHECK_INT(n, 0);
  free(out);
  cf_redact_set_match_limit(0);
  out = cf_redact("user=bob password=hunter2 ok", &n);
  CHECK_STR(out, "user=bob password=[REDACTED] ok");
  free(out);
}

static void error_messages(void) {
  /* the CLI redacts whole messages like these */
  EXPECT("ciforensics: runs/530/results.json: line 3: bad value \"token=abc\"",
         "ciforensics: runs/530/results.json: line 3: bad value \"token=[REDACTED]\"", 1);
  EXPECT("ciforensics: cannot open 'postgres://u:pw@db/x': no such file",
         "ciforensics: cannot open 'postgres://u:[REDACTED]@db/x': no such file", 1);
}

static void output_bound(void) {
  /* the worst case of growth: many 1-byte secrets */
  size_t len, olen, n;
  char *in = repeat("&sig=x", 10000, &len);
  char *out = cf_redact_mem(in, len, &olen, &n);
  CHECK_INT(n, 10000);
  CHECK(olen <= 10 * len);
  free(in);
  free(out);
}

CF_TEST_MAIN(T(env_dump), T(curl_verbose), T(urls), T(docker_login), T(config_dumps),
             T(pem_blocks), T(jwt_and_shapes), T(mysql_forms), T(kept_byte_for_byte),
             T(null_and_api), T(bytes_and_utf8), T(long_lines), T(fail_closed),
             T(error_messages), T(output_bound))
