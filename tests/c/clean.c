/* Normalization and validation through the C ABI, and every error path. */
#include <stdlib.h>

#include "harness.h"

static const char MESSY[] =
    "{\"customer_id\": \"c-1\", \"full_name\": \"ANN O'NEIL\", \"phone\": \"(02) 9374 4000\","
    " \"country\": \"Australia\", \"birth_date\": \"02/03/1990\", \"email\": \"x..y@example.com\"}";

static void normalize_and_validate(custodia_schema *schema) {
    custodia_normalizer *normalizer = NULL;
    custodia_validator *validator = NULL;
    custodia_record *record = NULL, *clean = NULL;
    custodia_report *report = NULL;
    CHECK_STATUS(custodia_normalizer_new(schema, &normalizer), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_new(schema, &validator), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_from_json(schema, S(MESSY), &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_normalizer_normalize(normalizer, record, &clean), CUSTODIA_STATUS_OK);
    CHECK(custodia_record_change_count(clean) >= 5);
    CHECK(custodia_record_change_count(record) == 0);
    CHECK(custodia_record_change_count(NULL) == 0);

    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(clean, S("phone"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value && strcmp(value, "+61293744000") == 0);
    custodia_string_free(value);
    CHECK_STATUS(custodia_record_get(clean, S("full_name"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value && strcmp(value, "Ann O'Neil") == 0);
    custodia_string_free(value);

    /* The report: the ambiguous date (from normalization) and the email. */
    CHECK_STATUS(custodia_validator_validate(validator, clean, &report), CUSTODIA_STATUS_OK);
    CHECK(!custodia_report_is_valid(report));
    size_t n = custodia_report_len(report);
    CHECK(n == 2);
    int saw_date = 0, saw_email = 0;
    for (size_t i = 0; i < n; i++) {
        custodia_issue issue;
        CHECK_STATUS(custodia_report_issue(report, i, &issue), CUSTODIA_STATUS_OK);
        if (str_eq(issue.field, "birth_date")) {
            saw_date = issue.code == 131 && issue.severity == CUSTODIA_SEVERITY_WARNING &&
                       str_eq(issue.name, "date_ambiguous");
        }
        if (str_eq(issue.field, "email")) {
            saw_email = issue.code == 110 && issue.severity == CUSTODIA_SEVERITY_ERROR;
            /* The message names the field, never the value. */
            CHECK(issue.message.len > 0);
            CHECK(!view_contains(issue.message, "x..y"));
        }
    }
    CHECK(saw_date && saw_email);
    custodia_issue untouched = {0};
    untouched.code = 7;
    CHECK_STATUS(custodia_report_issue(report, n, &untouched), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(contains(custodia_last_error_message(), "issue index"));
    CHECK(untouched.code == 7);
    custodia_str json = {0};
    CHECK_STATUS(custodia_report_json(report, &json), CUSTODIA_STATUS_OK);
    CHECK(view_contains(json, "\"email_syntax\""));
    custodia_report_free(report);

    /* The plain record: no date warning (nothing normalized it). */
    CHECK_STATUS(custodia_validator_validate(validator, record, &report), CUSTODIA_STATUS_OK);
    CHECK(custodia_report_len(report) >= 1);
    custodia_report_free(report);

    custodia_record_free(clean);
    custodia_record_free(record);
    custodia_validator_free(validator);
    custodia_normalizer_free(normalizer);
}

static void json_in_json_out(custodia_schema *schema) {
    custodia_normalizer *normalizer = NULL;
    custodia_validator *validator = NULL;
    CHECK_STATUS(custodia_normalizer_new(schema, &normalizer), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_new(schema, &validator), CUSTODIA_STATUS_OK);
    char *out = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_normalize_json(normalizer, S("{\"phone\": \"１３８００１３８０００\", \"country\": \"中国\"}"), &out, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(out && strcmp(out, "{\"phone\":\"+8613800138000\",\"country\":\"CN\"}") == 0 && len == strlen(out));
    custodia_string_free(out);
    CHECK_STATUS(custodia_validate_json(validator, S("{\"customer_id\": \"c\", \"email\": \"a@b\"}"), &out, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(out && contains(out, "\"email_domain\""));
    custodia_string_free(out);
    char *untouched = (char *)"sentinel";
    out = untouched;
    CHECK_STATUS(custodia_normalize_json(normalizer, S("{\"nope\": 1}"), &out, &len), CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK_STATUS(custodia_validate_json(validator, S("[1,"), &out, &len), CUSTODIA_STATUS_JSON);
    CHECK(out == untouched);
    custodia_validator_free(validator);
    custodia_normalizer_free(normalizer);
}

static void errors_and_nulls(custodia_schema *schema) {
    custodia_normalizer *normalizer = NULL;
    custodia_validator *validator = NULL;
    custodia_record *record = NULL, *out = NULL;
    custodia_report *report = NULL;
    char *json = NULL;
    size_t len = 0;
    custodia_issue issue;
    custodia_str view;
    CHECK_STATUS(custodia_normalizer_new(NULL, &normalizer), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalizer_new(schema, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_new(NULL, &validator), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_new(schema, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalizer_new(schema, &normalizer), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_new(schema, &validator), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_new(schema, &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_normalizer_normalize(NULL, record, &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalizer_normalize(normalizer, NULL, &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalizer_normalize(normalizer, record, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_validate(NULL, record, &report), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_validate(validator, NULL, &report), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_validate(validator, record, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalize_json(NULL, S("{}"), &json, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalize_json(normalizer, NULL, 2, &json, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalize_json(normalizer, S("{}"), NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validate_json(validator, S("{}"), &json, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_report_issue(NULL, 0, &issue), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_report_json(NULL, &view), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(custodia_report_len(NULL) == 0);
    CHECK(!custodia_report_is_valid(NULL));
    const char bad[] = {'{', '"', (char)0xc0, '"', '}'};
    CHECK_STATUS(custodia_normalize_json(normalizer, bad, sizeof bad, &json, &len), CUSTODIA_STATUS_INVALID_UTF8);

    /* A record of another schema is refused. */
    custodia_schema *other = NULL;
    custodia_record *foreign = NULL;
    CHECK_STATUS(custodia_schema_from_json(S("{\"name\": \"x\", \"fields\": [{\"name\": \"a\", \"kind\": \"text\"}]}"), &other),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_new(other, &foreign), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_normalizer_normalize(normalizer, foreign, &out), CUSTODIA_STATUS_SCHEMA_MISMATCH);
    CHECK_STATUS(custodia_validator_validate(validator, foreign, &report), CUSTODIA_STATUS_SCHEMA_MISMATCH);
    custodia_record_free(foreign);
    custodia_schema_free(other);

    custodia_record_free(record);
    custodia_normalizer_free(normalizer);
    custodia_validator_free(validator);
    custodia_normalizer_free(NULL);
    custodia_validator_free(NULL);
    custodia_report_free(NULL);
}

/* Options from C: a fixed `today`, an older age limit, email domains in
 * ASCII; unknown keys name the nearest valid one. */
static void options(custodia_schema *schema) {
    static const char BORN_2010[] =
        "{\"customer_id\": \"c-9\", \"birth_date\": \"2010-05-05\", \"email\": \"nana@例子.中国\"}";
    custodia_normalizer *normalizer = NULL;
    custodia_validator *validator = NULL;
    custodia_record *record = NULL, *clean = NULL;
    custodia_report *report = NULL;
    CHECK_STATUS(custodia_record_from_json(schema, S(BORN_2010), &record), CUSTODIA_STATUS_OK);

    CHECK_STATUS(custodia_normalizer_new_with_options(schema, S("{\"email_ascii_domain\": true}"),
                                                      &normalizer),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_normalizer_normalize(normalizer, record, &clean), CUSTODIA_STATUS_OK);
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(clean, S("email"), &value, &len), CUSTODIA_STATUS_OK);
    CHECK(value && strcmp(value, "nana@xn--fsqu00a.xn--fiqs8s") == 0);
    custodia_string_free(value);
    custodia_normalizer_free(normalizer);

    /* Born in 2010: in the future on 2000-01-01, fine by default. */
    CHECK_STATUS(custodia_validator_new_with_options(schema, S("{\"today\": \"2000-01-01\"}"),
                                                     &validator),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_validate(validator, clean, &report), CUSTODIA_STATUS_OK);
    int future = 0;
    for (size_t i = 0; i < custodia_report_len(report); i++) {
        custodia_issue issue;
        CHECK_STATUS(custodia_report_issue(report, i, &issue), CUSTODIA_STATUS_OK);
        future |= str_eq(issue.name, "birth_date_in_future");
    }
    CHECK(future);
    custodia_report_free(report);
    custodia_validator_free(validator);

    /* (NULL, 0) is the defaults. */
    CHECK_STATUS(custodia_validator_new_with_options(schema, NULL, 0, &validator), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_validator_validate(validator, clean, &report), CUSTODIA_STATUS_OK);
    CHECK(custodia_report_is_valid(report));
    custodia_report_free(report);
    custodia_validator_free(validator);

    validator = NULL;
    CHECK_STATUS(custodia_validator_new_with_options(schema, S("{\"max_agee\": 90}"), &validator),
                 CUSTODIA_STATUS_JSON);
    CHECK(contains(custodia_last_error_message(), "did you mean `max_age`"));
    CHECK(validator == NULL);
    CHECK_STATUS(custodia_validator_new_with_options(schema, S("{\"today\": \"tomorrow\"}"), &validator),
                 CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_normalizer_new_with_options(schema, S("[]"), &normalizer),
                 CUSTODIA_STATUS_JSON);
    CHECK_STATUS(custodia_normalizer_new_with_options(schema, NULL, 3, &normalizer),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_normalizer_new_with_options(NULL, NULL, 0, &normalizer),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_validator_new_with_options(schema, NULL, 0, NULL),
                 CUSTODIA_STATUS_NULL_ARGUMENT);

    custodia_record_free(clean);
    custodia_record_free(record);
}

int main(void) {
    custodia_schema *schema = NULL;
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    normalize_and_validate(schema);
    json_in_json_out(schema);
    errors_and_nulls(schema);
    options(schema);
    custodia_schema_free(schema);
    FINISH();
}
