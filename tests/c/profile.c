/* Data-quality profiles from C: a profile of a small input, its page, drift
 * against an earlier profile, and every NULL and bad argument. */
#include "harness.h"

static const char CUSTOMERS[] =
    "customer_id,full_name,email,phone,country,updated_at\n"
    "c1,ROBERT SMITH,bob.smith@example.com,+1 415 555 0101,US,2026-10-20\n"
    "c2,Bob Smith,BOB.SMITH@example.com,(415) 555-0101,US,2024-01-01\n"
    "c3,Alice Jones,not-an-email,,us,2019-05-05\n"
    ",Zhang Wei,zw@example.cn,13800138000,CN,\n"
    "too,many,cells,here,x,y,z\n";

static const char EARLY[] =
    "customer_id,email,country\n"
    "c1,bob@example.com,US\n";

int main(void) {
    custodia_pipeline *pipeline = NULL;
    char *json = NULL, *before = NULL, *html = NULL, *drift = NULL;
    size_t len = 0, before_len = 0, html_len = 0, drift_len = 0;

    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"clean\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(CUSTOMERS), S("{\"as_of\": \"2026-11-01\"}"),
                                           &json, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(json != NULL && strlen(json) == len);
    if (json) {
        CHECK(contains(json, "\"format\": \"custodia-profile\""));
        CHECK(contains(json, "\"read\": 5"));
        CHECK(contains(json, "\"records\": 4"));
        CHECK(contains(json, "\"row_length\": 1"));
        CHECK(contains(json, "\"as_of\": \"2026-11-01\""));
        CHECK(contains(json, "\"value\": \"US\""));
        CHECK(contains(json, "\"pattern\": \"+1 4N NNNN NNNN\""));
        CHECK(contains(json, "\"code\": \"email_syntax\""));
        CHECK(contains(json, "\"field\": \"updated_at\""));
        /* Sensitive values never appear. */
        CHECK(!contains(json, "Smith"));
        CHECK(!contains(json, "bob.smith"));
        CHECK(!contains(json, "4155550101"));
    }

    /* Defaults: (NULL, 0) settings. */
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(EARLY), NULL, 0, &before, &before_len),
                 CUSTODIA_STATUS_OK);

    /* The page. */
    CHECK_STATUS(custodia_profile_html(json, len, &html, &html_len), CUSTODIA_STATUS_OK);
    CHECK(html != NULL && strlen(html) == html_len);
    if (html) {
        CHECK(contains(html, "<!DOCTYPE html>"));
        CHECK(contains(html, "data-chart=\"completeness\""));
        CHECK(!contains(html, "Smith"));
        CHECK(!contains(html, "https://"));
    }

    /* Drift: customer_id was complete, now one is missing; new codes. */
    CHECK_STATUS(custodia_profile_compare(json, len, before, before_len, 1.0, &drift, &drift_len),
                 CUSTODIA_STATUS_OK);
    if (drift) {
        CHECK(contains(drift, "\"drift\""));
        CHECK(contains(drift, "\"records_before\": 1"));
        CHECK(contains(drift, "\"new_issue_codes\""));
        CHECK(contains(drift, "\"email_syntax\""));
    }

    /* Bad arguments: outputs untouched. */
    char *untouched = NULL;
    size_t untouched_len = 7;
    CHECK_STATUS(custodia_pipeline_profile(NULL, S(CUSTOMERS), NULL, 0, &untouched, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_profile(pipeline, NULL, 3, NULL, 0, &untouched, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(CUSTOMERS), NULL, 0, NULL, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(CUSTOMERS), NULL, 0, &untouched, NULL),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(CUSTOMERS), S("{\"topp\": 3}"), &untouched,
                                           &untouched_len),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK(contains(custodia_last_error_message(), "did you mean `top`"));
    CHECK_STATUS(custodia_pipeline_profile(pipeline, S(CUSTOMERS), S("{\"top\": 0}"), &untouched,
                                           &untouched_len),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_profile_html(S("{\"format\": \"other\"}"), &untouched, &untouched_len),
                 CUSTODIA_STATUS_INPUT);
    CHECK(contains(custodia_last_error_message(), "not a custodia profile"));
    CHECK_STATUS(custodia_profile_html(NULL, 2, &untouched, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_profile_html(json, len, NULL, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_profile_compare(json, len, S("[]"), 1.0, &untouched, &untouched_len),
                 CUSTODIA_STATUS_INPUT);
    CHECK_STATUS(custodia_profile_compare(json, len, before, before_len, -1.0, &untouched,
                                          &untouched_len),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_profile_compare(json, len, NULL, 1, 1.0, &untouched, &untouched_len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(untouched == NULL && untouched_len == 7);

    custodia_string_free(json);
    custodia_string_free(before);
    custodia_string_free(html);
    custodia_string_free(drift);
    custodia_pipeline_free(pipeline);
    FINISH();
}
