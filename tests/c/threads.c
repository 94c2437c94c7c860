/* One schema, normalizer, validator and masker shared by several threads,
 * each cleaning and masking its own records, give the same results as one
 * thread; last errors are per thread. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

#define THREADS 4
#define ROUNDS 100

static custodia_schema *schema;
static custodia_normalizer *normalizer;
static custodia_validator *validator;
static custodia_masker *masker;

static const unsigned char KEY[32] = {42};

/* FNV-1a over a string, to compare whole runs cheaply. */
static uint64_t fnv(uint64_t h, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Cleans, validates and masks ROUNDS records; returns a digest of every
 * output, or 0 on any failure. */
static uint64_t run_all(void) {
    uint64_t h = 1469598103934665603ULL;
    char json[256];
    for (int i = 0; i < ROUNDS; i++) {
        int n = snprintf(json, sizeof json,
                         "{\"customer_id\": \"c%d\", \"full_name\": \"ANN SMITH %d\", \"phone\": \"(02) 9374 %04d\","
                         " \"country\": \"AU\", \"email\": \"Ann%d@Example.com\", \"birth_date\": \"%d/1/1980\"}",
                         i, i, i, i, 1 + i % 28);
        custodia_record *record = NULL, *clean = NULL, *masked = NULL;
        custodia_report *report = NULL;
        char *out = NULL;
        size_t len = 0;
        custodia_str report_json;
        if (custodia_record_from_json(schema, json, (size_t)n, &record) != CUSTODIA_STATUS_OK ||
            custodia_normalizer_normalize(normalizer, record, &clean) != CUSTODIA_STATUS_OK ||
            custodia_validator_validate(validator, clean, &report) != CUSTODIA_STATUS_OK ||
            custodia_report_json(report, &report_json) != CUSTODIA_STATUS_OK ||
            custodia_masker_mask(masker, clean, S("analytics"), &masked) != CUSTODIA_STATUS_OK ||
            custodia_record_to_json(masked, &out, &len) != CUSTODIA_STATUS_OK) {
            h = 0;
        } else {
            h = fnv(fnv(h, out, len), report_json.ptr, report_json.len);
        }
        custodia_string_free(out);
        custodia_record_free(masked);
        custodia_report_free(report);
        custodia_record_free(clean);
        custodia_record_free(record);
        /* Each thread's own failure stays its own. */
        if (custodia_record_from_json(schema, S("{\"x\": 1}"), &record) != CUSTODIA_STATUS_UNKNOWN_FIELD ||
            strcmp(custodia_last_error_field_path(), "x") != 0) {
            h = 0;
        }
        if (h == 0) return 0;
    }
    return h;
}

static void *work(void *arg) {
    uint64_t *result = arg;
    *result = run_all();
    return NULL;
}

int main(void) {
    custodia_keyring *ring = NULL;
    custodia_policy *policy = NULL;
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_normalizer_new(schema, &normalizer), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_new(schema, &validator), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_new(&ring), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("pseudonym"), KEY, sizeof KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("token"), KEY, sizeof KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_policy_customer(&policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, ring, &masker), CUSTODIA_STATUS_OK);
    custodia_keyring_free(ring);
    custodia_policy_free(policy);

    uint64_t single = run_all();
    CHECK(single != 0);
    pthread_t threads[THREADS];
    uint64_t results[THREADS] = {0};
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_create(&threads[t], NULL, work, &results[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_join(threads[t], NULL) == 0);
        CHECK(results[t] == single);
    }
    custodia_masker_free(masker);
    custodia_validator_free(validator);
    custodia_normalizer_free(normalizer);
    custodia_schema_free(schema);
    FINISH();
}
