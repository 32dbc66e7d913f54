/* leak_on_purpose.c: a program with one definite leak.
 * tests/cli/valgrind_wrapper.sh runs it in place of ciforensics to prove
 * that CF_VALGRIND=1 really puts the program under memcheck (a wrapper that
 * silently did nothing would let every test pass unchecked). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *volatile p = malloc(16);
  if (!p) return 2;
  p[0] = 'x';
  printf("%c\n", p[0]);
  p = NULL; /* the block is now definitely lost */
  return 0;
}
