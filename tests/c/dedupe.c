/* Duplicate detection through the C ABI: batch runs, models, linking,
 * explanations, the incremental index, golden records, JSON stages and
 * every error path. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

/* Eight customers: Robert/Bob Smith, Alice Jones twice, 张伟/Zhang Wei. */
static const char *HANDFUL[] = {
    "{\"customer_id\": \"1\", \"source\": \"crm\", \"given_name\": \"Robert\", \"family_name\": \"Smith\", \"birth_date\": \"1980-04-02\","
    " \"email\": \"bob.smith@example.com\", \"phone\": \"+1 415 555 0101\", \"postcode\": \"94110\", \"country\": \"US\"}",
    "{\"customer_id\": \"2\", \"source\": \"billing\", \"given_name\": \"Bob\", \"family_name\": \"Smith\", \"birth_date\": \"1980-04-02\","
    " \"email\": \"bob.smith@example.com\", \"phone\": \"(415) 555-0101\", \"postcode\": \"94110\", \"country\": \"US\"}",
    "{\"customer_id\": \"3\", \"given_name\": \"Alice\", \"family_name\": \"Jones\", \"birth_date\": \"1975-11-30\","
    " \"email\": \"alice@example.org\", \"phone\": \"+1 212 555 0199\", \"postcode\": \"10001\", \"country\": \"US\"}",
    "{\"customer_id\": \"4\", \"full_name\": \"张伟\", \"birth_date\": \"1990-01-02\", \"phone\": \"13812345678\", \"country\": \"CN\"}",
    "{\"customer_id\": \"5\", \"full_name\": \"Zhang Wei\", \"birth_date\": \"1990-01-02\", \"phone\": \"+86 138 1234 5678\", \"country\": \"CN\"}",
    "{\"customer_id\": \"6\", \"given_name\": \"Maria\", \"family_name\": \"Garcia\", \"birth_date\": \"1988-07-14\","
    " \"email\": \"maria.garcia@example.es\", \"country\": \"ES\"}",
    "{\"customer_id\": \"7\", \"given_name\": \"Hans\", \"family_name\": \"Müller\", \"birth_date\": \"1965-03-03\", \"postcode\": \"10115\", \"country\": \"DE\"}",
    "{\"customer_id\": \"8\", \"given_name\": \"Alice\", \"family_name\": \"Jones\", \"birth_date\": \"1975-11-30\", \"email\": \"ALICE@example.org\", \"country\": \"US\"}",
};
#define COUNT (sizeof HANDFUL / sizeof HANDFUL[0])
static const uint32_t EXPECTED[COUNT] = {0, 0, 2, 3, 3, 5, 6, 2};

static custodia_schema *schema;
static const custodia_record *records[COUNT];

static void load(void) {
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    for (size_t i = 0; i < COUNT; i++) {
        custodia_record *record = NULL;
        CHECK_STATUS(custodia_record_from_json(schema, HANDFUL[i], strlen(HANDFUL[i]), &record), CUSTODIA_STATUS_OK);
        records[i] = record;
    }
}

static void unload(void) {
    for (size_t i = 0; i < COUNT; i++) custodia_record_free((custodia_record *)records[i]);
    custodia_schema_free(schema);
}

static char *model_of(const custodia_outcome *outcome) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_outcome_model_json(outcome, &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json && len == strlen(json) && contains(json, "\"given_name\""));
    return json;
}

static void deduper_settings(void) {
    custodia_deduper *deduper = NULL;
    CHECK_STATUS(custodia_deduper_new(schema, NULL, 0, &deduper), CUSTODIA_STATUS_OK);
    custodia_deduper_free(deduper);
    deduper = NULL;
    CHECK_STATUS(custodia_deduper_new(schema, S("{\"threshold\": 0.95}"), &deduper), CUSTODIA_STATUS_OK);
    custodia_deduper_free(deduper);
    deduper = NULL;
    CHECK_STATUS(custodia_deduper_new(schema, S("{\"threshold\": 2}"), &deduper), CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK(deduper == NULL);
    CHECK(strcmp(custodia_last_error_setting_path(), "threshold") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "out_of_range") == 0);
    CHECK_STATUS(custodia_deduper_new(schema, S("{\"blocking\": [\"email\"], \"windw\": 3}"), &deduper),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK(strcmp(custodia_last_error_setting_path(), "windw") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "unknown_key") == 0);
    CHECK_STATUS(custodia_deduper_new(schema, S("{\"threshold\": "), &deduper), CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK_STATUS(custodia_deduper_new(schema, S("{\"blocking\": [\"nickname:phonetic\"]}"), &deduper),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK(contains(custodia_last_error_message(), "nickname"));
    CHECK(strcmp(custodia_last_error_setting_path(), "blocking[0]") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "unknown_field") == 0);
    CHECK_STATUS(custodia_deduper_new(schema, "\xff", 1, &deduper), CUSTODIA_STATUS_INVALID_UTF8);
    CHECK_STATUS(custodia_deduper_new(NULL, NULL, 0, &deduper), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(contains(custodia_last_error_message(), "schema"));
    CHECK_STATUS(custodia_deduper_new(schema, NULL, 0, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(deduper == NULL);
}

static void batch(custodia_deduper *deduper) {
    custodia_outcome *outcome = NULL;
    CHECK_STATUS(custodia_deduper_run(deduper, records, COUNT, &outcome), CUSTODIA_STATUS_OK);
    const uint32_t *clusters = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_outcome_clusters(outcome, &clusters, &len), CUSTODIA_STATUS_OK);
    CHECK(len == COUNT && clusters && memcmp(clusters, EXPECTED, sizeof EXPECTED) == 0);

    CHECK(custodia_outcome_pair_count(outcome) == 3);
    custodia_pair pair;
    CHECK_STATUS(custodia_outcome_pair(outcome, 0, &pair), CUSTODIA_STATUS_OK);
    CHECK(pair.a == 0 && pair.b == 1 && pair.probability >= 0.9 && pair.probability <= 1.0 && pair.weight > 0);
    CHECK_STATUS(custodia_outcome_pair(outcome, 2, &pair), CUSTODIA_STATUS_OK);
    CHECK(pair.a == 3 && pair.b == 4);
    CHECK_STATUS(custodia_outcome_pair(outcome, 3, &pair), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(contains(custodia_last_error_message(), "pair index 3"));
    CHECK_STATUS(custodia_outcome_pair(outcome, 0, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_outcome_pair(NULL, 0, &pair), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(custodia_outcome_pair_count(NULL) == 0);

    /* Explanations name fields and levels, never values. */
    char *json = NULL;
    CHECK_STATUS(custodia_outcome_explain_json(outcome, 0, 1, &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json && contains(json, "\"given_name\"") && contains(json, "\"probability\"") &&
          contains(json, "\"counted\":true") &&
          !contains(json, "bob.smith") && !contains(json, "Robert"));
    custodia_string_free(json);
    /* Any two rows can be explained, matched or not. */
    CHECK_STATUS(custodia_outcome_explain_json(outcome, 0, 6, &json, &len), CUSTODIA_STATUS_OK);
    custodia_string_free(json);
    CHECK_STATUS(custodia_outcome_explain_json(outcome, 0, COUNT, &json, &len), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_outcome_explain_json(outcome, 0, 1, NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_outcome_clusters(outcome, NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_outcome_clusters(outcome, &clusters, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);

    /* A saved model scores the next batch the same way. */
    char *model = model_of(outcome);
    custodia_outcome *again = NULL;
    CHECK_STATUS(custodia_deduper_run_with_model(deduper, records, COUNT, model, strlen(model), &again),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_outcome_clusters(again, &clusters, &len), CUSTODIA_STATUS_OK);
    CHECK(len == COUNT && memcmp(clusters, EXPECTED, sizeof EXPECTED) == 0);
    custodia_outcome_free(again);
    again = NULL;
    CHECK_STATUS(custodia_deduper_run_with_model(deduper, records, COUNT, S("{\"schema\": 1}"), &again),
                 CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_deduper_run_with_model(deduper, records, COUNT, NULL, 3, &again),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(again == NULL);
    custodia_string_free(model);
    custodia_outcome_free(outcome);

    /* Bad record arrays. */
    outcome = NULL;
    CHECK_STATUS(custodia_deduper_run(deduper, NULL, 2, &outcome), CUSTODIA_STATUS_NULL_ARGUMENT);
    const custodia_record *holes[2] = {records[0], NULL};
    CHECK_STATUS(custodia_deduper_run(deduper, holes, 2, &outcome), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(contains(custodia_last_error_message(), "records[1]"));
    CHECK_STATUS(custodia_deduper_run(NULL, records, COUNT, &outcome), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_deduper_run(deduper, records, COUNT, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(outcome == NULL);
    /* No records: an empty outcome. */
    CHECK_STATUS(custodia_deduper_run(deduper, NULL, 0, &outcome), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_outcome_clusters(outcome, &clusters, &len), CUSTODIA_STATUS_OK);
    CHECK(len == 0 && custodia_outcome_pair_count(outcome) == 0);
    custodia_outcome_free(outcome);
}

static void linking(custodia_deduper *deduper) {
    /* Left: rows 0, 2, 3; right: rows 1, 4, 7 (their duplicates). */
    const custodia_record *left[3] = {records[0], records[2], records[3]};
    const custodia_record *right[3] = {records[1], records[4], records[7]};
    custodia_outcome *outcome = NULL;
    CHECK_STATUS(custodia_deduper_link(deduper, left, 3, right, 3, &outcome), CUSTODIA_STATUS_OK);
    /* Robert-Bob, Alice-Alice, 张伟-Zhang Wei: right rows follow the left. */
    static const size_t partner[3] = {3, 5, 4};
    size_t pairs = custodia_outcome_pair_count(outcome);
    CHECK(pairs == 3);
    for (size_t i = 0; i < pairs; i++) {
        custodia_pair pair;
        CHECK_STATUS(custodia_outcome_pair(outcome, i, &pair), CUSTODIA_STATUS_OK);
        CHECK(pair.a < 3 && pair.b == partner[pair.a]);
    }
    custodia_outcome_free(outcome);
    outcome = NULL;
    CHECK_STATUS(custodia_deduper_link(deduper, left, 3, NULL, 1, &outcome), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(contains(custodia_last_error_message(), "right"));
    CHECK(outcome == NULL);
}

static void index_queries(custodia_deduper *deduper) {
    custodia_outcome *outcome = NULL;
    CHECK_STATUS(custodia_deduper_run(deduper, records, COUNT, &outcome), CUSTODIA_STATUS_OK);
    char *model = model_of(outcome);
    custodia_outcome_free(outcome);

    custodia_index *index = NULL;
    CHECK_STATUS(custodia_index_new(deduper, model, strlen(model), &index), CUSTODIA_STATUS_OK);
    /* Index every record but Bob (row 1), then ask who Bob is. */
    for (size_t i = 0; i < COUNT; i++) {
        if (i == 1) continue;
        size_t row = 99;
        CHECK_STATUS(custodia_index_insert(index, records[i], &row), CUSTODIA_STATUS_OK);
        CHECK(row == (i == 0 ? 0 : i - 1));
    }
    CHECK(custodia_index_len(index) == COUNT - 1);
    custodia_match matches[3];
    size_t found = 99;
    CHECK_STATUS(custodia_index_query(index, records[1], 3, matches, &found), CUSTODIA_STATUS_OK);
    CHECK(found >= 1 && found <= 3 && matches[0].row == 0 && matches[0].probability >= 0.9);
    for (size_t i = 1; i < found; i++) CHECK(matches[i].weight <= matches[i - 1].weight);
    CHECK(custodia_index_len(index) == COUNT - 1); /* queries add nothing */
    CHECK_STATUS(custodia_index_query(index, records[1], 0, NULL, &found), CUSTODIA_STATUS_OK);
    CHECK(found == 0);
    CHECK_STATUS(custodia_index_query(index, records[1], 2, NULL, &found), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_query(index, NULL, 2, matches, &found), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_query(index, records[1], 2, matches, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_insert(index, NULL, &found), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_insert(index, records[1], NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_insert(NULL, records[1], &found), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(custodia_index_len(index) == COUNT - 1);
    CHECK(custodia_index_len(NULL) == 0);
    custodia_index_free(index);

    index = NULL;
    CHECK_STATUS(custodia_index_new(deduper, S("not a model"), &index), CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_index_new(NULL, model, strlen(model), &index), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_index_new(deduper, model, strlen(model), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(index == NULL);
    custodia_string_free(model);
}

static void golden_records(void) {
    size_t given = 0, iban = 0;
    CHECK_STATUS(custodia_schema_field_index(schema, S("given_name"), &given), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_schema_field_index(schema, S("iban"), &iban), CUSTODIA_STATUS_OK);

    custodia_merger *merger = NULL;
    CHECK_STATUS(custodia_merger_new(schema,
                                     S("{\"rules\": [\"longest\"], \"fields\": {\"email\": [\"trusted_source\"]},"
                                       " \"source_field\": \"source\", \"trusted_sources\": [\"billing\"]}"),
                                     &merger),
                 CUSTODIA_STATUS_OK);
    custodia_golden *golden = NULL;
    CHECK_STATUS(custodia_merger_merge(merger, records, COUNT, EXPECTED, &golden), CUSTODIA_STATUS_OK);
    CHECK(custodia_golden_len(golden) == 5); /* clusters 0, 2, 3, 5, 6 */

    uint32_t cluster = 99;
    custodia_record *merged = NULL;
    CHECK_STATUS(custodia_golden_record(golden, 0, &cluster, &merged), CUSTODIA_STATUS_OK);
    CHECK(cluster == 0);
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(merged, S("given_name"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value && strcmp(value, "Robert") == 0); /* the longest */
    custodia_string_free(value);
    custodia_record_free(merged);
    int64_t row = 99;
    CHECK_STATUS(custodia_golden_source(golden, 0, given, &row), CUSTODIA_STATUS_OK);
    CHECK(row == 0);
    CHECK_STATUS(custodia_golden_source(golden, 0, iban, &row), CUSTODIA_STATUS_OK);
    CHECK(row == -1); /* nobody had one */
    CHECK_STATUS(custodia_golden_record(golden, 1, &cluster, &merged), CUSTODIA_STATUS_OK);
    CHECK(cluster == 2);
    custodia_record_free(merged);
    merged = NULL;

    CHECK_STATUS(custodia_golden_record(golden, 5, &cluster, &merged), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_golden_record(golden, 0, NULL, &merged), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_golden_record(golden, 0, &cluster, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(merged == NULL);
    CHECK_STATUS(custodia_golden_source(golden, 0, 999, &row), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_golden_source(golden, 9, 0, &row), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_golden_source(NULL, 0, 0, &row), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_golden_source(golden, 0, 0, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(custodia_golden_len(NULL) == 0);
    custodia_golden_free(golden);

    golden = NULL;
    CHECK_STATUS(custodia_merger_merge(merger, records, COUNT, NULL, &golden), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_merger_merge(merger, NULL, 3, EXPECTED, &golden), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_merger_merge(NULL, records, COUNT, EXPECTED, &golden), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_merger_merge(merger, records, COUNT, EXPECTED, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(golden == NULL);
    CHECK_STATUS(custodia_merger_merge(merger, NULL, 0, NULL, &golden), CUSTODIA_STATUS_OK);
    CHECK(custodia_golden_len(golden) == 0);
    custodia_golden_free(golden);
    custodia_merger_free(merger);

    merger = NULL;
    CHECK_STATUS(custodia_merger_new(schema, NULL, 0, &merger), CUSTODIA_STATUS_OK);
    custodia_merger_free(merger);
    merger = NULL;
    CHECK_STATUS(custodia_merger_new(schema, S("{\"rules\": [\"most_recent\"]}"), &merger),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK(contains(custodia_last_error_message(), "updated_field"));
    CHECK(strcmp(custodia_last_error_setting_path(), "rules") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "conflict") == 0);
    CHECK_STATUS(custodia_merger_new(schema, S("{\"fields\": {\"nickname\": [\"longest\"]}}"), &merger),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK(contains(custodia_last_error_message(), "nickname"));
    CHECK_STATUS(custodia_merger_new(schema, S("{\"rules\": "), &merger), CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK_STATUS(custodia_merger_new(NULL, NULL, 0, &merger), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_merger_new(schema, NULL, 0, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(merger == NULL);
}

/* Builds a JSON array of the handful of customers. */
static char *handful_json(void) {
    size_t size = 3;
    for (size_t i = 0; i < COUNT; i++) size += strlen(HANDFUL[i]) + 1;
    char *json = malloc(size);
    if (!json) return NULL;
    strcpy(json, "[");
    for (size_t i = 0; i < COUNT; i++) {
        if (i) strcat(json, ",");
        strcat(json, HANDFUL[i]);
    }
    strcat(json, "]");
    return json;
}

static void json_stages(custodia_deduper *deduper) {
    char *input = handful_json();
    CHECK(input != NULL);
    if (!input) return;
    char *out = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_dedupe_json(deduper, input, strlen(input), &out, &len), CUSTODIA_STATUS_OK);
    CHECK(out && contains(out, "\"clusters\":[0,0,2,3,3,5,6,2]") && contains(out, "\"a\":0,\"b\":1"));
    custodia_string_free(out);
    out = NULL;
    CHECK_STATUS(custodia_dedupe_json(deduper, S("[{\"customer_id\": \"1\"}, {\"birth_date\": [1]}]"), &out, &len),
                 CUSTODIA_STATUS_WRONG_TYPE);
    CHECK(contains(custodia_last_error_message(), "record 1:"));
    CHECK_STATUS(custodia_dedupe_json(deduper, S("{\"customer_id\": \"1\"}"), &out, &len), CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_dedupe_json(deduper, S("[{\"emial\": \"x@example.com\"}]"), &out, &len),
                 CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK_STATUS(custodia_dedupe_json(NULL, S("[]"), &out, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(out == NULL);

    custodia_merger *merger = NULL;
    CHECK_STATUS(custodia_merger_new(schema, NULL, 0, &merger), CUSTODIA_STATUS_OK);
    size_t size = strlen(input) + 64;
    char *merge_input = malloc(size);
    CHECK(merge_input != NULL);
    if (merge_input) {
        snprintf(merge_input, size, "{\"records\": %s, \"clusters\": [0,0,2,3,3,5,6,2]}", input);
        CHECK_STATUS(custodia_merge_json(merger, merge_input, strlen(merge_input), &out, &len), CUSTODIA_STATUS_OK);
        CHECK(out && out[0] == '[' && contains(out, "\"cluster\":0") && contains(out, "\"members\":[0,1]") &&
              contains(out, "\"sources\""));
        custodia_string_free(out);
        out = NULL;
        free(merge_input);
    }
    CHECK_STATUS(custodia_merge_json(merger, S("{\"records\": [{}], \"clusters\": []}"), &out, &len),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    CHECK_STATUS(custodia_merge_json(merger, S("[1, 2]"), &out, &len), CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_merge_json(merger, S("{\"records\": []}"), NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(out == NULL);
    custodia_merger_free(merger);
    free(input);
}

int main(void) {
    load();
    deduper_settings();
    custodia_deduper *deduper = NULL;
    CHECK_STATUS(custodia_deduper_new(schema, NULL, 0, &deduper), CUSTODIA_STATUS_OK);
    batch(deduper);
    linking(deduper);
    index_queries(deduper);
    golden_records();
    json_stages(deduper);
    custodia_deduper_free(deduper);
    /* free(NULL) is a no-op for every handle. */
    custodia_deduper_free(NULL);
    custodia_outcome_free(NULL);
    custodia_index_free(NULL);
    custodia_merger_free(NULL);
    custodia_golden_free(NULL);
    unload();
    FINISH();
}
