/* custodia from C: load the standard schema, then clean, validate, mask
 * and deduplicate a handful of customers.
 *
 *   ./scripts/install.sh            (or PREFIX=... ./scripts/install.sh)
 *   cc examples/c/quickstart.c $(pkg-config --cflags --libs custodia) -o quickstart
 *   ./quickstart
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <custodia.h>

static const char *CUSTOMERS[] = {
    "{\"customer_id\": \"c-1\", \"full_name\": \"ANN O'NEIL\", \"phone\": \"(02) 9374 4000\", \"country\": \"Australia\"}",
    "{\"customer_id\": \"c-2\", \"full_name\": \"欧阳娜娜\", \"phone\": \"１３９１２３４５６７８\", \"country\": \"中国\"}",
    "{\"customer_id\": \"c-3\", \"full_name\": \"Bob Smith\", \"email\": \"bob..smith@example.com\", \"country\": \"US\"}",
    "{\"customer_id\": \"c-4\", \"emial\": \"typo@example.com\"}",
    "{\"customer_id\": \"c-5\", \"full_name\": \"Ann O'Neil\", \"phone\": \"+61 2 9374 4000\", \"country\": \"AU\"}",
};
#define COUNT (sizeof CUSTOMERS / sizeof CUSTOMERS[0])

/* Demo keys only: real keys come from a secret store. */
static const unsigned char PSEUDONYM_KEY[32] = "demo-pseudonym-key-32-bytes-long";
static const unsigned char TOKEN_KEY[16] = "demo-token-key16";

int main(void) {
    custodia_schema *schema = NULL;
    custodia_normalizer *normalizer = NULL;
    custodia_validator *validator = NULL;
    custodia_keyring *keys = NULL;
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL;
    custodia_deduper *deduper = NULL;
    custodia_outcome *outcome = NULL;
    const custodia_record *cleaned[COUNT];
    size_t kept = 0;
    int failed = 0;

    printf("custodia %s\n", custodia_version());
    if (custodia_schema_customer(&schema) != CUSTODIA_STATUS_OK ||
        custodia_normalizer_new(schema, &normalizer) != CUSTODIA_STATUS_OK ||
        custodia_validator_new(schema, &validator) != CUSTODIA_STATUS_OK ||
        custodia_keyring_new(&keys) != CUSTODIA_STATUS_OK ||
        custodia_keyring_add(keys, "pseudonym", 9, PSEUDONYM_KEY, sizeof PSEUDONYM_KEY) != CUSTODIA_STATUS_OK ||
        custodia_keyring_add(keys, "token", 5, TOKEN_KEY, sizeof TOKEN_KEY) != CUSTODIA_STATUS_OK ||
        custodia_policy_customer(&policy) != CUSTODIA_STATUS_OK ||
        custodia_masker_new(schema, policy, keys, &masker) != CUSTODIA_STATUS_OK ||
        custodia_deduper_new(schema, NULL, 0, &deduper) != CUSTODIA_STATUS_OK) {
        fprintf(stderr, "setup failed: %s\n", custodia_last_error_message());
        failed = 1;
        goto done;
    }

    for (size_t i = 0; i < COUNT; i++) {
        custodia_record *record = NULL, *clean = NULL, *masked = NULL;
        custodia_report *report = NULL;
        char *json = NULL;
        size_t len = 0;
        if (custodia_record_from_json(schema, CUSTOMERS[i], strlen(CUSTOMERS[i]), &record) != CUSTODIA_STATUS_OK) {
            printf("%zu: refused: %s\n", i + 1, custodia_last_error_message());
            continue;
        }
        if (custodia_normalizer_normalize(normalizer, record, &clean) == CUSTODIA_STATUS_OK &&
            custodia_record_to_json(clean, &json, &len) == CUSTODIA_STATUS_OK) {
            printf("%zu: %s (%zu fields changed)\n", i + 1, json, custodia_record_change_count(clean));
            custodia_string_free(json);
        }
        if (custodia_validator_validate(validator, clean, &report) == CUSTODIA_STATUS_OK) {
            for (size_t k = 0; k < custodia_report_len(report); k++) {
                custodia_issue issue;
                if (custodia_report_issue(report, k, &issue) == CUSTODIA_STATUS_OK) {
                    printf("   %s: %.*s\n", issue.severity == CUSTODIA_SEVERITY_ERROR ? "error" : "warning",
                           (int)issue.message.len, issue.message.ptr);
                }
            }
        }
        if (custodia_masker_mask(masker, clean, "support", 7, &masked) == CUSTODIA_STATUS_OK &&
            custodia_record_to_json(masked, &json, &len) == CUSTODIA_STATUS_OK) {
            printf("   support sees %s\n", json);
            custodia_string_free(json);
        }
        custodia_record_free(masked);
        custodia_report_free(report);
        if (clean) {
            cleaned[kept++] = clean; /* kept for deduplication */
        }
        custodia_record_free(record);
    }

    /* Which cleaned records are the same customer? */
    if (custodia_deduper_run(deduper, cleaned, kept, &outcome) == CUSTODIA_STATUS_OK) {
        const uint32_t *clusters = NULL;
        size_t len = 0;
        custodia_outcome_clusters(outcome, &clusters, &len);
        for (size_t i = 0; i < len; i++) printf("record %zu is customer #%u\n", i + 1, (unsigned)clusters[i] + 1);
        for (size_t i = 0; i < custodia_outcome_pair_count(outcome); i++) {
            custodia_pair pair;
            if (custodia_outcome_pair(outcome, i, &pair) == CUSTODIA_STATUS_OK) {
                printf("records %zu and %zu match (p = %.3f)\n", pair.a + 1, pair.b + 1, pair.probability);
            }
        }
    } else {
        fprintf(stderr, "dedupe failed: %s\n", custodia_last_error_message());
        failed = 1;
    }

done:
    for (size_t i = 0; i < kept; i++) custodia_record_free((custodia_record *)cleaned[i]);
    custodia_outcome_free(outcome);
    custodia_deduper_free(deduper);
    custodia_masker_free(masker);
    custodia_policy_free(policy);
    custodia_keyring_free(keys);
    custodia_validator_free(validator);
    custodia_normalizer_free(normalizer);
    custodia_schema_free(schema);
    return failed;
}
