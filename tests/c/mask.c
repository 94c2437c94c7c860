/* Masking through the C ABI: key rings, policies, masks, tokens, errors. */
#include <stdlib.h>

#include "harness.h"

static const unsigned char PSEUDONYM_KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const unsigned char TOKEN_KEY[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};

static const char CUSTOMER[] =
    "{\"customer_id\": \"c-1\", \"full_name\": \"张伟\", \"phone\": \"138 1234 5678\", \"country\": \"CN\","
    " \"email\": \"zhang.wei@example.com\", \"street\": \"南京西路1号\", \"payment_card\": \"4111111111111111\"}";

static char *get(custodia_record *record, const char *field) {
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(record, field, strlen(field), &value, &len), CUSTODIA_STATUS_OK);
    return value;
}

static custodia_masker *make_masker(custodia_schema *schema) {
    custodia_keyring *ring = NULL;
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL;
    CHECK_STATUS(custodia_keyring_new(&ring), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("pseudonym"), PSEUDONYM_KEY, sizeof PSEUDONYM_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("token"), TOKEN_KEY, sizeof TOKEN_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_policy_customer(&policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, ring, &masker), CUSTODIA_STATUS_OK);
    /* The masker keeps its own copies: both may go now. */
    custodia_keyring_free(ring);
    custodia_policy_free(policy);
    return masker;
}

static void audiences(custodia_schema *schema) {
    custodia_masker *masker = make_masker(schema);
    custodia_record *record = NULL, *support = NULL, *analytics = NULL, *auditor = NULL, *back = NULL;
    CHECK_STATUS(custodia_record_from_json(schema, S(CUSTOMER), &record), CUSTODIA_STATUS_OK);

    CHECK_STATUS(custodia_masker_mask(masker, record, S("support"), &support), CUSTODIA_STATUS_OK);
    char *v = get(support, "phone");
    CHECK(v && strcmp(v, "138****5678") == 0);
    custodia_string_free(v);
    v = get(support, "full_name");
    CHECK(v && strcmp(v, "张*") == 0);
    custodia_string_free(v);
    v = get(support, "street");
    CHECK(v && strcmp(v, "[redacted]") == 0);
    custodia_string_free(v);

    CHECK_STATUS(custodia_masker_mask(masker, record, S("analytics"), &analytics), CUSTODIA_STATUS_OK);
    v = get(analytics, "email");
    CHECK(v && strncmp(v, "pseudonym:", 10) == 0 && !contains(v, "zhang"));
    custodia_string_free(v);

    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &auditor), CUSTODIA_STATUS_OK);
    v = get(auditor, "phone");
    CHECK(v && strlen(v) == 14 && strncmp(v, "+86", 3) == 0 && strcmp(v, "+8613812345678") != 0);
    custodia_string_free(v);
    CHECK_STATUS(custodia_masker_detokenize(masker, auditor, S("auditor"), &back), CUSTODIA_STATUS_OK);
    v = get(back, "phone");
    CHECK(v && strcmp(v, "+8613812345678") == 0);
    custodia_string_free(v);
    v = get(back, "payment_card");
    CHECK(v && strcmp(v, "4111111111111111") == 0);
    custodia_string_free(v);

    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_mask_json(masker, S("support"), S(CUSTOMER), &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json && contains(json, "\"138****5678\"") && !contains(json, "南京西路"));
    custodia_string_free(json);

    custodia_record_free(back);
    custodia_record_free(auditor);
    custodia_record_free(analytics);
    custodia_record_free(support);
    custodia_record_free(record);
    custodia_masker_free(masker);
}

static void policies(custodia_schema *schema) {
    custodia_policy *policy = NULL;
    CHECK_STATUS(custodia_policy_from_json(S("{\"audiences\": {\"ops\": {\"phone\": \"phone\", \"city\": \"keep\"}}}"), &policy),
                 CUSTODIA_STATUS_OK);
    custodia_keyring *ring = NULL;
    custodia_masker *masker = NULL;
    CHECK_STATUS(custodia_keyring_new(&ring), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, ring, &masker), CUSTODIA_STATUS_OK);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_mask_json(masker, S("ops"), S("{\"phone\": \"+8613812345678\", \"city\": \"上海\", \"email\": \"a@b.cn\"}"), &json, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(json && strcmp(json, "{\"email\":\"[redacted]\",\"phone\":\"+86*******5678\",\"city\":\"上海\"}") == 0);
    custodia_string_free(json);
    custodia_masker_free(masker);
    custodia_policy_free(policy);

    custodia_policy *untouched = (custodia_policy *)&failures;
    policy = untouched;
    CHECK_STATUS(custodia_policy_from_json(S("{\"audiences\": {\"s\": {\"phone\": \"blur\"}}}"), &policy),
                 CUSTODIA_STATUS_INVALID_POLICY);
    CHECK(contains(custodia_last_error_message(), "audiences.s.phone"));
    CHECK(strcmp(custodia_last_error_setting_path(), "audiences.s.phone") == 0);
    CHECK(strcmp(custodia_last_error_setting_problem(), "unknown_name") == 0);
    CHECK_STATUS(custodia_policy_from_json(S("{"), &policy), CUSTODIA_STATUS_JSON);
    CHECK(policy == untouched);
    /* A policy whose keys are missing from the ring. */
    CHECK_STATUS(custodia_policy_customer(&policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, ring, &masker), CUSTODIA_STATUS_UNKNOWN_KEY);
    custodia_policy_free(policy);
    CHECK_STATUS(custodia_policy_from_schema(schema, &policy), CUSTODIA_STATUS_OK);
    custodia_policy_free(policy);
    custodia_keyring_free(ring);
}

static void errors_and_nulls(custodia_schema *schema) {
    custodia_keyring *ring = NULL;
    CHECK_STATUS(custodia_keyring_new(NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_keyring_new(&ring), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("k"), TOKEN_KEY, 10), CUSTODIA_STATUS_INVALID_KEY);
    CHECK(!contains(custodia_last_error_message(), "\x09\x08\x07"));
    CHECK_STATUS(custodia_keyring_add(ring, S("bad id"), TOKEN_KEY, 16), CUSTODIA_STATUS_INVALID_KEY);
    CHECK_STATUS(custodia_keyring_add(ring, S("k"), NULL, 16), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_keyring_add(NULL, S("k"), TOKEN_KEY, 16), CUSTODIA_STATUS_NULL_ARGUMENT);
    /* An id goes into a ring once: a second key with it is refused. */
    CHECK_STATUS(custodia_keyring_add(ring, S("k"), TOKEN_KEY, 16), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(ring, S("k"), PSEUDONYM_KEY, 32), CUSTODIA_STATUS_INVALID_KEY);
    CHECK(contains(custodia_last_error_message(), "key `k`: the key id is given twice"));
    CHECK_STATUS(custodia_policy_from_json(S("{}"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_policy_customer(NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_policy_from_schema(NULL, NULL), CUSTODIA_STATUS_NULL_ARGUMENT);

    custodia_masker *masker = make_masker(schema);
    custodia_record *record = NULL, *out = NULL;
    CHECK_STATUS(custodia_record_from_json(schema, S(CUSTOMER), &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("marketing"), &out), CUSTODIA_STATUS_UNKNOWN_AUDIENCE);
    CHECK(contains(custodia_last_error_message(), "marketing"));
    CHECK_STATUS(custodia_masker_mask(NULL, record, S("support"), &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_mask(masker, NULL, S("support"), &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_mask(masker, record, NULL, 3, &out), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("support"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_detokenize(masker, record, S("nobody"), &out), CUSTODIA_STATUS_UNKNOWN_AUDIENCE);
    /* A value too short to tokenize is an error, never passed through. */
    CHECK_STATUS(custodia_record_set(record, S("phone"), S("+8610086")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &out), CUSTODIA_STATUS_CANNOT_MASK);
    CHECK(!contains(custodia_last_error_message(), "10086"));
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_mask_json(masker, S("support"), S("{\"x\": 1}"), &json, &len), CUSTODIA_STATUS_UNKNOWN_FIELD);
    CHECK_STATUS(custodia_mask_json(masker, S("support"), S("{}"), NULL, &len), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(out == NULL && json == NULL);
    custodia_record_free(record);
    custodia_masker_free(masker);
    custodia_keyring_free(ring);
    custodia_keyring_free(NULL);
    custodia_policy_free(NULL);
    custodia_masker_free(NULL);
}

#define SECRET "5ec7e75ec7e75ec7e75ec7e75ec7e75e"

/* Key files: read, and refused naming the key id, never the secret. */
static void key_files(custodia_schema *schema) {
    custodia_keyring *ring = NULL, *untouched = (custodia_keyring *)&failures;
    CHECK_STATUS(custodia_keyring_from_json(S("{\"pseudonym\": \"" SECRET "\", \"token\": \"" SECRET SECRET "\"}"), &ring),
                 CUSTODIA_STATUS_OK);
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL;
    CHECK_STATUS(custodia_policy_customer(&policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, ring, &masker), CUSTODIA_STATUS_OK);
    custodia_masker_free(masker);
    custodia_policy_free(policy);
    custodia_keyring_free(ring);

    static const struct {
        const char *json;
        custodia_status status;
        const char *says;
    } bad[] = {
        {"{\"a\": \"" SECRET "\", \"a\": \"000102030405060708090a0b0c0d0e0f\"}", CUSTODIA_STATUS_INVALID_KEY,
         "key `a`: the key id is given twice"},
        {"{\"a\": \"5ec7e75ec7e75ec7\"}", CUSTODIA_STATUS_INVALID_KEY, "key `a`: secrets are 16, 24 or 32 bytes"},
        {"{\"a\": \"5ec7e75ec7e75ec7e75ec7e75ec7e7zz\"}", CUSTODIA_STATUS_INVALID_KEY, "key `a`: the secret is not hexadecimal"},
        {"[\"" SECRET "\"]", CUSTODIA_STATUS_JSON, "keys JSON, line 1"},
        {"{\"a\": 5}", CUSTODIA_STATUS_JSON, "keys JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ring = untouched;
        CHECK_STATUS(custodia_keyring_from_json(bad[i].json, strlen(bad[i].json), &ring), bad[i].status);
        CHECK(contains(custodia_last_error_message(), bad[i].says));
        CHECK(!contains(custodia_last_error_message(), "5ec7"));
        CHECK(ring == untouched);
    }
    CHECK_STATUS(custodia_keyring_from_json(S("{}"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_keyring_from_json(NULL, 2, &ring), CUSTODIA_STATUS_NULL_ARGUMENT);
}

/* A masker for one audience needs only that audience's keys. */
static void one_audience(custodia_schema *schema) {
    custodia_keyring *empty = NULL;
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL, *untouched = (custodia_masker *)&failures;
    CHECK_STATUS(custodia_keyring_new(&empty), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_policy_customer(&policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, empty, S("support"), &masker), CUSTODIA_STATUS_OK);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_mask_json(masker, S("support"), S(CUSTOMER), &json, &len), CUSTODIA_STATUS_OK);
    CHECK(json && contains(json, "\"138****5678\""));
    custodia_string_free(json);
    json = NULL;
    CHECK_STATUS(custodia_mask_json(masker, S("analytics"), S(CUSTOMER), &json, &len), CUSTODIA_STATUS_UNKNOWN_AUDIENCE);
    CHECK(json == NULL);
    custodia_masker_free(masker);

    masker = untouched;
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, empty, S("analytics"), &masker), CUSTODIA_STATUS_UNKNOWN_KEY);
    CHECK(contains(custodia_last_error_message(), "`pseudonym`"));
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, empty, S("marketing"), &masker), CUSTODIA_STATUS_UNKNOWN_AUDIENCE);
    CHECK_STATUS(custodia_masker_new_for_audience(NULL, policy, empty, S("support"), &masker), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_new_for_audience(schema, NULL, empty, S("support"), &masker), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, NULL, S("support"), &masker), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, empty, NULL, 7, &masker), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_masker_new_for_audience(schema, policy, empty, S("support"), NULL), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(masker == untouched);
    custodia_policy_free(policy);
    custodia_keyring_free(empty);
}

/* A value whose token could not give it back is refused, not "repaired". */
static void invalid_values(custodia_schema *schema) {
    custodia_masker *masker = make_masker(schema);
    custodia_record *record = NULL, *out = NULL, *back = NULL;
    CHECK_STATUS(custodia_record_from_json(schema, S(CUSTOMER), &record), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set(record, S("payment_card"), S("4111111111111112")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &out), CUSTODIA_STATUS_CANNOT_MASK);
    CHECK(contains(custodia_last_error_message(), "payment_card"));
    CHECK(!contains(custodia_last_error_message(), "1112"));
    CHECK(out == NULL);
    CHECK_STATUS(custodia_record_set(record, S("payment_card"), S("4111111111111111")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_record_set(record, S("iban"), S("DE00370400440532013000")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &out), CUSTODIA_STATUS_CANNOT_MASK);
    CHECK(contains(custodia_last_error_message(), "iban"));
    CHECK_STATUS(custodia_record_set(record, S("iban"), S("DE89370400440532013000")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &out), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_detokenize(masker, out, S("auditor"), &back), CUSTODIA_STATUS_OK);
    char *v = get(back, "iban");
    CHECK(v && strcmp(v, "DE89370400440532013000") == 0);
    custodia_string_free(v);
    custodia_record_free(back);
    back = NULL;
    /* A token changed by hand does not come back as something else. */
    CHECK_STATUS(custodia_record_set(out, S("iban"), S("DE00370400440532013000")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_detokenize(masker, out, S("auditor"), &back), CUSTODIA_STATUS_CANNOT_MASK);
    CHECK(back == NULL);
    custodia_record_free(out);
    custodia_record_free(record);
    custodia_masker_free(masker);
}

int main(void) {
    custodia_schema *schema = NULL;
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    audiences(schema);
    policies(schema);
    errors_and_nulls(schema);
    key_files(schema);
    one_audience(schema);
    invalid_values(schema);
    custodia_schema_free(schema);
    FINISH();
}
