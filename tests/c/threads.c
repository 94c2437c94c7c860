/* One schema shared by several threads, each building its own records,
 * gives the same results as one thread; last errors are per thread. */
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"

#define THREADS 4
#define ROUNDS 200

static custodia_schema *shared;

static void *work(void *arg) {
    long id = (long)arg;
    long bad = 0;
    char json[128];
    char expected[128];
    for (int i = 0; i < ROUNDS; i++) {
        int n = snprintf(json, sizeof json, "{\"city\": \"C%d\", \"customer_id\": \"t%ld-%d\"}", i, id, i);
        snprintf(expected, sizeof expected, "{\"customer_id\":\"t%ld-%d\",\"city\":\"C%d\"}", id, i, i);
        custodia_record *record = NULL;
        if (custodia_record_from_json(shared, json, (size_t)n, &record) != CUSTODIA_STATUS_OK) {
            bad++;
            continue;
        }
        char *out = NULL;
        size_t len = 0;
        if (custodia_record_to_json(record, &out, &len) != CUSTODIA_STATUS_OK ||
            strcmp(out, expected) != 0) {
            bad++;
        }
        custodia_string_free(out);
        custodia_record_free(record);
        /* Each thread's own failure stays its own. */
        if (custodia_record_from_json(shared, S("{\"x\": 1}"), &record) != CUSTODIA_STATUS_UNKNOWN_FIELD ||
            strcmp(custodia_last_error_field_path(), "x") != 0) {
            bad++;
        }
    }
    return (void *)bad;
}

int main(void) {
    CHECK_STATUS(custodia_schema_customer(&shared), CUSTODIA_STATUS_OK);
    long single = (long)work((void *)0);
    CHECK(single == 0);
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) {
        CHECK(pthread_create(&threads[t], NULL, work, (void *)t) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        void *result = NULL;
        CHECK(pthread_join(threads[t], &result) == 0);
        CHECK((long)result == single);
    }
    custodia_schema_free(shared);
    FINISH();
}
