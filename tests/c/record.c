/* Records through the C ABI: build, set, get, write back, and every error. */
#include <stdlib.h>

#include "harness.h"

static custodia_schema *customer(void) {
    custodia_schema *schema = NULL;
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    return schema;
}

static void from_json_and_get(custodia_schema *schema) {
    custodia_record *record = NULL;
    CHECK_STATUS(custodia_record_from_json(
                     schema, S("{\"customer_id\": \"c-1\", \"full_name\": \"欧阳娜娜\", \"postcode\": 2000}"),
                     &record),
                 CUSTODIA_STATUS_OK);
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(record, S("full_name"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value != NULL && len == strlen("欧阳娜娜") && strcmp(value, "欧阳娜娜") == 0);
    custodia_string_free(value);
    /* Numbers for text fields become text. */
    CHECK_STATUS(custodia_record_get(record, S("postcode"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value != NULL && strcmp(value, "2000") == 0);
    custodia_string_free(value);
    /* A null field reads as NULL with length 0. */
    value = (char *)"sentinel";
    CHECK_STATUS(custodia_record_get(record, S("email"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value == NULL && len == 0);
    CHECK_STATUS(custodia_record_get_at(record, 0, &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value != NULL && strcmp(value, "c-1") == 0);
    custodia_string_free(value);
    char *json = NULL;
    CHECK_STATUS(custodia_record_to_json(record, &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json != NULL && strlen(json) == len && contains(json, "\"postcode\":\"2000\""));
    custodia_string_free(json);
    custodia_record_free(record);
}

static void field_by_field(custodia_schema *schema) {
    custodia_record *record = NULL;
    CHECK_STATUS(custodia_record_new(schema, &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set(record, S("email"), S("ann@example.com")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set_at(record, 10, S("Sydney")), CUSTODIA_STATUS_OK);
    /* Not NUL-terminated input: only `len` bytes are read. */
    const char city[] = {'P', 'e', 'r', 't', 'h', 'X'};
    CHECK_STATUS(custodia_record_set(record, S("city"), city, 5), CUSTODIA_STATUS_OK);
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get_at(record, 10, &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value != NULL && strcmp(value, "Perth") == 0 && len == 5);
    custodia_string_free(value);
    /* (NULL, 0) clears a field. */
    CHECK_STATUS(custodia_record_set(record, S("email"), NULL, 0), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_get(record, S("email"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value == NULL);
    custodia_record_free(record);
}

static void errors(custodia_schema *schema) {
    custodia_record *untouched = (custodia_record *)&failures;
    custodia_record *out = untouched;
    CHECK_STATUS(custodia_record_from_json(schema, S("{\"emial\": \"a@b.c\"}"), &out),
                 CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK(strcmp(custodia_last_error_field_path(), "emial") == 0);
    CHECK_STATUS(custodia_record_from_json(schema, S("[\"13800138000\"]"), &out), CUSTODIA_STATUS_JSON);
    CHECK(!contains(custodia_last_error_message(), "13800138000"));
    CHECK_STATUS(custodia_record_from_json(schema, S("{\"phone\": {\"n\": 1}}"), &out),
                 CUSTODIA_STATUS_WRONG_TYPE);
    CHECK(out == untouched);

    custodia_record *record = NULL;
    CHECK_STATUS(custodia_record_new(schema, &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set(record, S("emial"), S("x")), CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK_STATUS(custodia_record_set_at(record, 99, S("x")), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    const char bad[] = {'a', (char)0xc3};
    CHECK_STATUS(custodia_record_set(record, S("city"), bad, sizeof bad), CUSTODIA_STATUS_INVALID_UTF8);
    CHECK(strcmp(custodia_last_error_field_path(), "city") == 0);

    /* A 10 MiB value is refused (the limit is 1 MiB) and changes nothing. */
    size_t huge_len = 10u << 20;
    char *huge = malloc(huge_len);
    CHECK(huge != NULL);
    if (huge) {
        memset(huge, 'a', huge_len);
        CHECK_STATUS(custodia_record_set(record, S("street"), huge, huge_len), CUSTODIA_STATUS_TOO_LARGE);
        CHECK(contains(custodia_last_error_message(), "exceeds the limit"));
        free(huge);
    }
    char *value = (char *)"sentinel";
    size_t len = 7;
    CHECK_STATUS(custodia_record_get(record, S("street"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value == NULL && len == 0);

    value = (char *)"sentinel";
    CHECK_STATUS(custodia_record_get(record, S("nope"), &value, &len), CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK_STATUS(custodia_record_get_at(record, 18, &value, &len), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(strcmp(value, "sentinel") == 0);
    custodia_record_free(record);
}

static void null_arguments(custodia_schema *schema) {
    custodia_record *record = NULL;
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_new(NULL, &record), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_new(schema, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_from_json(NULL, S("{}"), &record), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_from_json(schema, NULL, 2, &record), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_from_json(schema, S("{}"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_set(NULL, S("city"), S("x")), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_set_at(NULL, 0, S("x")), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_get(NULL, S("city"), &value, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_get_at(NULL, 0, &value, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_to_json(NULL, &value, &len), CUSTODIA_STATUS_NULL_ARGUMENT);

    CHECK_STATUS(custodia_record_new(schema, &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set(record, NULL, 4, S("x")), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_set(record, S("city"), NULL, 1), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_get(record, S("city"), NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_get(record, S("city"), &value, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_get_at(record, 0, NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_to_json(record, NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_record_to_json(record, &value, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    custodia_record_free(record);
    custodia_record_free(NULL);
    custodia_string_free(NULL);
}

/* A record keeps its schema alive: freeing the schema first is fine. */
static void schema_freed_first(void) {
    custodia_schema *schema = customer();
    custodia_record *record = NULL;
    CHECK_STATUS(custodia_record_new(schema, &record), CUSTODIA_STATUS_OK);
    custodia_schema_free(schema);
    CHECK_STATUS(custodia_record_set(record, S("city"), S("Hobart")), CUSTODIA_STATUS_OK);
    custodia_record_free(record);
}

int main(void) {
    custodia_schema *schema = customer();
    from_json_and_get(schema);
    field_by_field(schema);
    errors(schema);
    null_arguments(schema);
    custodia_schema_free(schema);
    schema_freed_first();
    FINISH();
}
