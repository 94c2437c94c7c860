/* The audit trail through the C ABI: reveals, detokenizations and views
 * with sensitive fields in clear logged to
 * the hash-chained file and to a host's sink, the log verified, then
 * tampered with and verified again; never a value in an event. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

static const unsigned char CRYPT_KEY[32] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
static const unsigned char AUDIT_KEY[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const unsigned char TOKEN_KEY[32] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
                                            4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};

static const char POLICY[] =
    "{\"name\": \"vault\", \"audiences\": {"
    " \"storage\": {\"customer_id\": \"keep\", \"phone\": {\"op\": \"encrypt\", \"key\": \"crypt\"},"
    "   \"email\": {\"op\": \"encrypt\", \"key\": \"crypt\"}},"
    " \"support\": {\"customer_id\": \"keep\", \"phone\": \"keep\", \"email\": \"email\"},"
    " \"auditor\": {\"customer_id\": \"keep\", \"phone\": {\"op\": \"token\", \"key\": \"token\"}}},"
    " \"reveal\": {\"support\": [\"phone\"]}}";

static custodia_keyring *ring(void) {
    custodia_keyring *keys = NULL;
    CHECK_STATUS(custodia_keyring_new(&keys), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("crypt"), CRYPT_KEY, sizeof CRYPT_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("audit"), AUDIT_KEY, sizeof AUDIT_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("token"), TOKEN_KEY, sizeof TOKEN_KEY), CUSTODIA_STATUS_OK);
    return keys;
}

static char *get(custodia_record *record, const char *field) {
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(record, field, strlen(field), &value, &len), CUSTODIA_STATUS_OK);
    return value;
}

/* A host's sink: keeps the last event, refuses when told to. */
struct sink {
    int calls;
    int refuse;
    char last[1024];
};

static int host_sink(void *context, const char *event_json, size_t event_len) {
    struct sink *sink = context;
    sink->calls++;
    size_t n = event_len < sizeof sink->last - 1 ? event_len : sizeof sink->last - 1;
    memcpy(sink->last, event_json, n);
    sink->last[n] = 0;
    return sink->refuse;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = malloc(1 << 16);
    *len = text ? fread(text, 1, (1 << 16) - 1, f) : 0;
    if (text) text[*len] = 0;
    fclose(f);
    return text;
}

static void write_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(text, 1, len, f) == len);
    fclose(f);
}

int main(void) {
    char path[512];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/custodia-audit-c-%d.jsonl", dir && *dir ? dir : "/tmp", (int)getpid());
    remove(path);

    custodia_schema *schema = NULL;
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL;
    custodia_keyring *keys = ring();
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_policy_from_json(S(POLICY), &policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, keys, &masker), CUSTODIA_STATUS_OK);
    custodia_policy_free(policy);

    custodia_record *record = NULL, *stored = NULL, *tokens = NULL, *shown = NULL;
    CHECK_STATUS(custodia_record_from_json(
                     schema, S("{\"customer_id\": \"c-1\", \"phone\": \"+8613812345678\", \"email\": \"ann@example.com\"}"),
                     &record),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("storage"), &stored), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("auditor"), &tokens), CUSTODIA_STATUS_OK);

    /* Making an auditor: every argument is checked. */
    custodia_auditor *auditor = NULL;
    CHECK_STATUS(custodia_auditor_new(path, strlen(path), keys, S("audit"), S("ops"), S(""), &auditor),
                 CUSTODIA_STATUS_AUDIT);
    CHECK_STATUS(custodia_auditor_new(path, strlen(path), keys, S("nope"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_UNKNOWN_KEY);
    CHECK_STATUS(custodia_auditor_new(NULL, 5, keys, S("audit"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_auditor_new(S(""), keys, S("audit"), S("ops"), S("case 7"), &auditor), CUSTODIA_STATUS_IO);
    CHECK_STATUS(custodia_auditor_new(path, strlen(path), NULL, S("audit"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_auditor_new(path, strlen(path), keys, S("audit"), S("ops"), S("case 7"), NULL),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(auditor == NULL);
    CHECK_STATUS(custodia_auditor_new(path, strlen(path), keys, S("audit"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_OK);

    /* Three events: a reveal, a detokenization, a reveal that fails. */
    CHECK_STATUS(custodia_auditor_reveal(auditor, masker, stored, S("support"), &shown), CUSTODIA_STATUS_OK);
    char *v = get(shown, "phone");
    CHECK(v && strcmp(v, "+8613812345678") == 0);
    custodia_string_free(v);
    custodia_record_free(shown);
    shown = NULL;
    CHECK_STATUS(custodia_auditor_detokenize(auditor, masker, tokens, S("auditor"), &shown), CUSTODIA_STATUS_OK);
    v = get(shown, "phone");
    CHECK(v && strcmp(v, "+8613812345678") == 0);
    custodia_string_free(v);
    custodia_record_free(shown);
    shown = NULL;
    CHECK_STATUS(custodia_record_set(stored, S("customer_id"), S("c-2")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_auditor_reveal(auditor, masker, stored, S("support"), &shown), CUSTODIA_STATUS_CANNOT_DECRYPT);
    CHECK(shown == NULL);
    CHECK_STATUS(custodia_auditor_reveal(NULL, masker, stored, S("support"), &shown), CUSTODIA_STATUS_NULL_ARGUMENT);
    custodia_auditor_free(auditor);
    custodia_auditor_free(NULL);

    size_t len = 0;
    char *log = read_file(path, &len);
    CHECK(log != NULL);
    if (log) {
        CHECK(contains(log, "\"action\":\"decrypt\"") && contains(log, "\"action\":\"detokenize\""));
        CHECK(contains(log, "\"outcome\":\"failed\"") && contains(log, "\"purpose\":\"case 7\""));
        CHECK(!contains(log, "13812345678") && !contains(log, "ann@") && !contains(log, "c-1"));
    }

    /* The log verifies: three entries and their head. */
    uint64_t entries = 9, bad_line = 9;
    char *head = NULL;
    CHECK_STATUS(custodia_audit_verify(path, strlen(path), keys, S("audit"), &entries, &bad_line, &head),
                 CUSTODIA_STATUS_OK);
    CHECK(entries == 3 && bad_line == 0);
    CHECK(head && strlen(head) == 64 && log && contains(log, head));
    custodia_string_free(head);
    head = NULL;
    CHECK_STATUS(custodia_audit_verify(path, strlen(path), keys, S("crypt"), &entries, &bad_line, &head),
                 CUSTODIA_STATUS_AUDIT);
    CHECK(entries == 0 && bad_line == 1);
    custodia_string_free(head);
    head = NULL;
    CHECK_STATUS(custodia_audit_verify(path, strlen(path), keys, S("audit"), &entries, NULL, &head),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_audit_verify(S("/nonexistent/audit.jsonl"), keys, S("audit"), &entries, &bad_line, &head),
                 CUSTODIA_STATUS_IO);

    /* One character changed in the second entry: found there. */
    if (log) {
        char *second = strchr(log, '\n');
        char *at = second ? strstr(second, "\"auditor\"") : NULL;
        CHECK(at != NULL);
        if (at) at[1] = 'A';
        write_file(path, log, len);
        CHECK_STATUS(custodia_audit_verify(path, strlen(path), keys, S("audit"), &entries, &bad_line, &head),
                     CUSTODIA_STATUS_AUDIT);
        CHECK(entries == 1 && bad_line == 2);
        CHECK(contains(custodia_last_error_message(), "line 2"));
        custodia_string_free(head);
        head = NULL;
        /* A tampered log is not appended to. */
        CHECK_STATUS(custodia_auditor_new(path, strlen(path), keys, S("audit"), S("ops"), S("case 7"), &auditor),
                     CUSTODIA_STATUS_AUDIT);
        free(log);
    }
    remove(path);

    /* A host's sink gets each event as JSON, and can refuse one. */
    struct sink sink = {0, 0, {0}};
    CHECK_STATUS(custodia_auditor_new_with_sink(NULL, &sink, keys, S("audit"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_auditor_new_with_sink(host_sink, &sink, keys, S("audit"), S("ops"), S("case 7"), &auditor),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_auditor_detokenize(auditor, masker, tokens, S("auditor"), &shown), CUSTODIA_STATUS_OK);
    CHECK(sink.calls == 1);
    CHECK(contains(sink.last, "\"action\":\"detokenize\"") && contains(sink.last, "\"fields\":[\"phone\"]"));
    CHECK(contains(sink.last, "\"record\":\"r:") && !contains(sink.last, "13812345678"));
    custodia_record_free(shown);
    shown = NULL;
    sink.refuse = 1;
    CHECK_STATUS(custodia_auditor_detokenize(auditor, masker, tokens, S("auditor"), &shown), CUSTODIA_STATUS_AUDIT);
    CHECK(shown == NULL && sink.calls == 2);

    /* A view with a sensitive field in clear (support keeps the phone) is
     * disclosed, and comes back only once the sink has the event; a view
     * without one (storage encrypts it) sends none. */
    CHECK_STATUS(custodia_auditor_mask(auditor, masker, record, S("support"), &shown), CUSTODIA_STATUS_AUDIT);
    CHECK(shown == NULL && sink.calls == 3);
    sink.refuse = 0;
    CHECK_STATUS(custodia_auditor_mask(auditor, masker, record, S("support"), &shown), CUSTODIA_STATUS_OK);
    CHECK(sink.calls == 4);
    CHECK(contains(sink.last, "\"action\":\"disclose\"") && contains(sink.last, "\"fields\":[\"phone\"]"));
    CHECK(!contains(sink.last, "13812345678") && !contains(sink.last, "c-1"));
    v = get(shown, "phone");
    CHECK(v && strcmp(v, "+8613812345678") == 0);
    custodia_string_free(v);
    custodia_record_free(shown);
    shown = NULL;
    CHECK_STATUS(custodia_auditor_mask(auditor, masker, record, S("storage"), &shown), CUSTODIA_STATUS_OK);
    CHECK(sink.calls == 4);
    custodia_record_free(shown);
    shown = NULL;
    CHECK_STATUS(custodia_auditor_mask(auditor, masker, record, S("nobody"), &shown),
                 CUSTODIA_STATUS_UNKNOWN_AUDIENCE);
    CHECK_STATUS(custodia_auditor_mask(auditor, masker, NULL, S("support"), &shown), CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK(shown == NULL && sink.calls == 4);

    /* A pipeline audited by the host's sink: each row written with a
     * sensitive value is logged before it is written (c-4 has none). */
    custodia_pipeline *pipeline = NULL;
    CHECK_STATUS(custodia_pipeline_new_audited(S("{\"steps\": [\"clean\"]}"), NULL, NULL, &pipeline),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(custodia_pipeline_new_audited(S("{\"steps\": [\"clean\"]}"), NULL, auditor, &pipeline),
                 CUSTODIA_STATUS_OK);
    static const char CSV[] = "customer_id,full_name,email,city\n"
                              "c-1,Ann Lee,ann@example.com,Beijing\n"
                              "c-4,,,Beijing\n";
    custodia_run *run = NULL;
    CHECK_STATUS(custodia_pipeline_run(pipeline, CSV, strlen(CSV), &run), CUSTODIA_STATUS_OK);
    CHECK(sink.calls == 5);
    CHECK(contains(sink.last, "\"audience\":\"unmasked\"") && !contains(sink.last, "ann@"));
    custodia_run_free(run);
    run = NULL;
    /* A refused event fails the run: no row is written unlogged. */
    sink.refuse = 1;
    CHECK(custodia_pipeline_run(pipeline, CSV, strlen(CSV), &run) != CUSTODIA_STATUS_OK);
    CHECK(run == NULL);
    custodia_pipeline_free(pipeline);
    custodia_auditor_free(auditor);

    custodia_keyring_free(keys);
    custodia_record_free(tokens);
    custodia_record_free(stored);
    custodia_record_free(record);
    custodia_masker_free(masker);
    custodia_schema_free(schema);
    FINISH();
}
