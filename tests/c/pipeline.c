/* Whole pipelines from C: settings errors, a clean run with a bad row and
 * bytes that are not UTF-8, dedupe and link outputs, and every NULL. */
#include "harness.h"

static const char CUSTOMERS[] =
    "customer_id,full_name,email,phone,country,notes\n"
    "c1,ROBERT SMITH,bob.smith@example.com,+1 415 555 0101,US,vip\n"
    "c2,Bob Smith,BOB.SMITH@example.com,(415) 555-0101,US,\n"
    "c3,\xd5\xc5\xce\xb0,x@example.com,,CN,\n"
    "c4,Alice Jones,not-an-email,,US,\n";

int main(void) {
    custodia_pipeline *pipeline = NULL;
    custodia_run *run = NULL;
    custodia_str view = {0};

    /* Settings errors. */
    CHECK_STATUS(custodia_pipeline_new(NULL, 5, NULL, &pipeline), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_new(S("{}"), NULL, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_new(S("{\"stepz\": []}"), NULL, &pipeline),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK(contains(custodia_last_error_message(), "did you mean `steps`"));
    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"mask\", \"clean\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_pipeline_new(S("{\"reject_on\": [\"nope\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"clean\", \"mask\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_pipeline_new(S("{\"delimiter\": \"ab\"}"), NULL, &pipeline),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK(pipeline == NULL);

    /* Clean: one row rejected for its email, one for its bytes. */
    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"clean\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_pipeline_run(pipeline, NULL, 3, &run), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_run(NULL, S(CUSTOMERS), &run), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_run(pipeline, S(CUSTOMERS), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_run(pipeline, S(CUSTOMERS), &run), CUSTODIA_STATUS_OK);
    CHECK(!custodia_run_is_clean(run));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_ROWS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "customer_id,full_name,email,phone,country,notes,_row\n"));
    CHECK(view_contains(view, "c1,Robert Smith,bob.smith@example.com,+14155550101,US,vip,2\n"));
    CHECK(!view_contains(view, "c4"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_REJECTS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "4,encoding,"));
    CHECK(view_contains(view, "5,email_syntax,c4,"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_SUMMARY, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "\"rows_in\": 4"));
    CHECK(view_contains(view, "\"rows_rejected\": 2"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_PAIRS, &view), CUSTODIA_STATUS_OK);
    CHECK(view.len == 0);
    custodia_str untouched = {"x", 1};
    CHECK_STATUS(custodia_run_output(run, 7, &untouched), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(custodia_run_output(run, 0, &untouched), CUSTODIA_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(untouched.len == 1);
    CHECK_STATUS(custodia_run_output(NULL, 1, &view), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_run_output(run, 1, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    custodia_run_free(run);
    run = NULL;
    /* Linking needs a dedupe step. */
    CHECK_STATUS(custodia_pipeline_link(pipeline, S("a"), S(CUSTOMERS), S("b"), S(CUSTOMERS), &run),
                 CUSTODIA_STATUS_INVALID_DEDUPE);
    custodia_pipeline_free(pipeline);
    pipeline = NULL;

    /* Dedupe: the two Bob Smiths are one customer. */
    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"clean\", \"dedupe\"]}"), NULL, &pipeline),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_pipeline_run(pipeline, S(CUSTOMERS), &run), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_ROWS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, ",2,2\n"));
    CHECK(view_contains(view, ",3,2\n"));
    /* A row with errors is clustered, and written as it was normalized. */
    CHECK(view_contains(view, "c4,Alice Jones,not-an-email,,US,,5,5\n"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_PAIRS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "row_a,row_b,weight,probability,explanation\n2,3,"));
    CHECK(!view_contains(view, "smith"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_GOLDEN, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "2;3"));
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_MODEL, &view), CUSTODIA_STATUS_OK);
    CHECK(view.len > 0 && view.ptr[0] == '{');
    custodia_run_free(run);
    run = NULL;

    /* Link: the CRM's Bob is the billing system's Bob. */
    CHECK_STATUS(custodia_pipeline_link(pipeline, S("crm"), S(CUSTOMERS), S("billing"),
                                        S("customer_id,full_name,email\nb1,Bob Smith,bob.smith@example.com\n"),
                                        &run),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_ROWS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, ",billing,2,crm:"));
    CHECK_STATUS(custodia_pipeline_link(pipeline, S("same"), S(CUSTOMERS), S("same"), S(CUSTOMERS), NULL),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    custodia_run *other = NULL;
    CHECK_STATUS(custodia_pipeline_link(pipeline, S("same"), S(CUSTOMERS), S("same"), S(CUSTOMERS), &other),
                 CUSTODIA_STATUS_INVALID_PIPELINE);
    CHECK_STATUS(custodia_pipeline_link(pipeline, "\xff", 1, S(CUSTOMERS), S("b"), S(CUSTOMERS), &other),
                 CUSTODIA_STATUS_INVALID_UTF8);
    CHECK(other == NULL);
    custodia_run_free(run);
    custodia_pipeline_free(pipeline);

    /* Masking with keys from a key ring. */
    custodia_keyring *keys = NULL;
    CHECK_STATUS(custodia_keyring_new(&keys), CUSTODIA_STATUS_OK);
    const unsigned char secret[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    CHECK_STATUS(custodia_keyring_add(keys, S("pseudonym"), secret, sizeof secret), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("token"), secret, sizeof secret), CUSTODIA_STATUS_OK);
    pipeline = NULL;
    CHECK_STATUS(custodia_pipeline_new(S("{\"steps\": [\"clean\", \"mask\"], \"mask\": {\"audience\": \"support\"}}"),
                                       keys, &pipeline),
                 CUSTODIA_STATUS_OK);
    custodia_keyring_free(keys);
    run = NULL;
    CHECK_STATUS(custodia_pipeline_run(pipeline, S(CUSTOMERS), &run), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_run_output(run, CUSTODIA_OUTPUT_ROWS, &view), CUSTODIA_STATUS_OK);
    CHECK(view_contains(view, "customer_id,full_name,email,phone,country,_row\n"));
    CHECK(!view_contains(view, "vip") && !view_contains(view, "bob.smith"));
    custodia_run_free(run);
    custodia_pipeline_free(pipeline);

    CHECK(!custodia_run_is_clean(NULL));
    custodia_run_free(NULL);
    custodia_pipeline_free(NULL);
    FINISH();
}
