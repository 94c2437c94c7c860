/* A tiny test harness: CHECK() counts failures; main returns the count. */
#ifndef CUSTODIA_TEST_HARNESS_H
#define CUSTODIA_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "custodia.h"

static int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",   \
                    __FILE__, __LINE__, #cond,                               \
                    custodia_last_error_message());                          \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* Checks a status against the expected one and says both names if not. */
#define CHECK_STATUS(call, expected)                                         \
    do {                                                                     \
        custodia_status got_ = (call);                                       \
        if (got_ != (expected)) {                                            \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n",     \
                    __FILE__, __LINE__, #call,                               \
                    custodia_status_name((uint32_t)got_),                    \
                    custodia_status_name((uint32_t)(expected)),              \
                    custodia_last_error_message());                          \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* A string literal as (pointer, length). */
#define S(literal) (literal), (sizeof(literal) - 1)

static inline int str_eq(custodia_str view, const char *expected) {
    return view.len == strlen(expected) && memcmp(view.ptr, expected, view.len) == 0;
}

static inline int contains(const char *haystack, const char *needle) {
    return strstr(haystack, needle) != NULL;
}

/* Whether a view contains `needle` (views are not NUL-terminated). */
static inline int view_contains(custodia_str view, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; n <= view.len && i + n <= view.len; i++) {
        if (memcmp(view.ptr + i, needle, n) == 0) return 1;
    }
    return 0;
}

#define FINISH()                                                             \
    do {                                                                     \
        if (failures) fprintf(stderr, "%s: %d failure(s)\n", __FILE__, failures); \
        return failures;                                                     \
    } while (0)

#endif
