/* Schemas through the C ABI: load, inspect, write back, and every error. */
#include <stdlib.h>

#include "harness.h"

static const char CRM[] =
    "{\"name\": \"crm\", \"region\": \"CN\", \"fields\": ["
    "{\"name\": \"id\", \"kind\": \"text\", \"required\": true},"
    "{\"name\": \"name\", \"kind\": \"full_name\"},"
    "{\"name\": \"mobile\", \"kind\": \"phone\"}]}";

static void standard_schema(void) {
    custodia_schema *schema = NULL;
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    CHECK(schema != NULL);
    CHECK(custodia_schema_field_count(schema) == 18);
    custodia_str name = {0};
    CHECK_STATUS(custodia_schema_name(schema, &name), CUSTODIA_STATUS_OK);
    CHECK(str_eq(name, "customer"));
    CHECK_STATUS(custodia_schema_field_name(schema, 7, &name), CUSTODIA_STATUS_OK);
    CHECK(str_eq(name, "email"));
    size_t index = 0;
    CHECK_STATUS(custodia_schema_field_index(schema, S("phone"), &index), CUSTODIA_STATUS_OK);
    CHECK(index == 8);
    CHECK(strcmp(custodia_last_error_message(), "") == 0);
    custodia_schema_free(schema);
}

static void from_json_and_back(void) {
    custodia_schema *schema = NULL;
    CHECK_STATUS(custodia_schema_from_json(S(CRM), &schema), CUSTODIA_STATUS_OK);
    CHECK(custodia_schema_field_count(schema) == 3);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_schema_to_json(schema, &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json != NULL && strlen(json) == len);
    CHECK(contains(json, "\"mobile\""));
    custodia_schema *again = NULL;
    CHECK_STATUS(custodia_schema_from_json(json, len, &again), CUSTODIA_STATUS_OK);
    CHECK(custodia_schema_field_count(again) == 3);
    custodia_string_free(json);
    custodia_schema_free(again);
    custodia_schema_free(schema);
}

/* Each bad schema fails with its status, leaves the out-param alone and
 * names the problem in the last error. */
static void errors(void) {
    custodia_schema *untouched = (custodia_schema *)&failures; /* sentinel */
    custodia_schema *out = untouched;
    CHECK_STATUS(custodia_schema_from_json(S("{\"name\": "), &out), CUSTODIA_STATUS_JSON);
    CHECK(out == untouched);
    CHECK(contains(custodia_last_error_message(), "line 1"));

    CHECK_STATUS(custodia_schema_from_json(
                     S("{\"name\": \"s\", \"fields\": [{\"name\": \"p\", \"kind\": \"money\"}]}"), &out),
                 CUSTODIA_STATUS_UNKNOWN_KIND);
    CHECK(strcmp(custodia_last_error_field_path(), "fields[0] (p)") == 0);
    CHECK(contains(custodia_last_error_message(), "unknown kind `money`"));
    /* The setting at fault, and what is wrong with it, by stable name. */
    CHECK(strcmp(custodia_last_error_setting_path(), "fields[0].kind") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "unknown_name") == 0);

    CHECK_STATUS(custodia_schema_from_json(
                     S("{\"name\": \"s\", \"fields\": [{\"name\": \"a\", \"kind\": \"text\"},"
                       "{\"name\": \"a\", \"kind\": \"text\"}]}"), &out),
                 CUSTODIA_STATUS_DUPLICATE_FIELD);
    CHECK_STATUS(custodia_schema_from_json(
                     S("{\"name\": \"s\", \"fields\": [{\"name\": \"a\", \"kind\": \"enum\"}]}"), &out),
                 CUSTODIA_STATUS_BAD_OPTION);
    CHECK(contains(custodia_last_error_message(), "option `values`"));
    CHECK_STATUS(custodia_schema_from_json(S("{\"name\": \"s\", \"fields\": []}"), &out),
                 CUSTODIA_STATUS_INVALID_SCHEMA);
    CHECK(out == untouched);
    CHECK(strcmp(custodia_last_error_setting_path(), "fields") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "empty") == 0);
    CHECK_STATUS(custodia_schema_from_json(
                     S("{\"name\": \"s\", \"fields\": [{\"name\": \"a\", \"kind\": \"text\"},"
                       "{\"name\": \" b\", \"kind\": \"text\"}]}"), &out),
                 CUSTODIA_STATUS_INVALID_SCHEMA);
    CHECK(strcmp(custodia_last_error_setting_path(), "fields[1].name") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "bad_name") == 0);
    /* A call that succeeds clears them; an error not about a setting leaves them "". */
    custodia_schema *ok = NULL;
    CHECK_STATUS(custodia_schema_from_json(S(CRM), &ok), CUSTODIA_STATUS_OK);
    CHECK(strcmp(custodia_last_error_setting_path(), "") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "") == 0);
    custodia_schema_free(ok);

    const char bad_utf8[] = {'{', '"', (char)0xff, '"', '}'};
    CHECK_STATUS(custodia_schema_from_json(bad_utf8, sizeof bad_utf8, &out),
                 CUSTODIA_STATUS_INVALID_UTF8);
    CHECK(strcmp(custodia_last_error_field_path(), "json") == 0);
    /* (NULL, 0) is the empty string, which is not a schema. */
    CHECK_STATUS(custodia_schema_from_json(NULL, 0, &out), CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_schema_from_json(NULL, 5, &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(out == untouched);
}

static void null_arguments(void) {
    custodia_schema *schema = NULL;
    custodia_str view = {0};
    size_t index = 0;
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_schema_customer(NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(contains(custodia_last_error_message(), "schema_out"));
    CHECK_STATUS(custodia_schema_from_json(S(CRM), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_to_json(NULL, &json, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_name(NULL, &view), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_name(NULL, 0, &view), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_index(NULL, S("a"), &index), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(custodia_schema_field_count(NULL) == 0);

    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_schema_to_json(schema, NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_to_json(schema, &json, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_name(schema, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_name(schema, 0, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_name(schema, 18, &view), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_schema_field_index(schema, S("a"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_index(schema, NULL, 3, &index), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_schema_field_index(schema, S("nope"), &index), CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK(strcmp(custodia_last_error_field_path(), "nope") == 0);
    custodia_schema_free(schema);
    custodia_schema_free(NULL);
}

static void version_and_status_names(void) {
    CHECK(strcmp(custodia_version(), CUSTODIA_VERSION) == 0);
    CHECK(strcmp(custodia_status_name(CUSTODIA_STATUS_OK), "OK") == 0);
    CHECK(strcmp(custodia_status_name(CUSTODIA_STATUS_UNKNOWN_FIELD), "UNKNOWN_FIELD") == 0);
    CHECK(strcmp(custodia_status_name(123456), "UNKNOWN_STATUS") == 0);
    CHECK(CUSTODIA_STATUS_NULL_ARGUMENT == 1001 && CUSTODIA_STATUS_PANIC == 9001);
    CHECK(CUSTODIA_VERSION_MAJOR >= 0 && CUSTODIA_VERSION_MINOR >= 0);
}

int main(void) {
    standard_schema();
    from_json_and_back();
    errors();
    null_arguments();
    version_and_status_names();
    FINISH();
}
