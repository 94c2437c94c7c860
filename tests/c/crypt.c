/* Field encryption through the C ABI: a cipher over a key ring and over a
 * host's key callback, rotation, tampering, and stored records revealed
 * and rewrapped by a masker. */
#include <stdlib.h>

#include "harness.h"

static const unsigned char OLD_KEY[32] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const unsigned char NEW_KEY[32] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                          2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

static custodia_keyring *ring(void) {
    custodia_keyring *keys = NULL;
    CHECK_STATUS(custodia_keyring_new(&keys), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("old"), OLD_KEY, sizeof OLD_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("new"), NEW_KEY, sizeof NEW_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_set_decrypt_only(keys, S("old"), 1), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_set_decrypt_only(keys, S("nope"), 1), CUSTODIA_STATUS_UNKNOWN_KEY);
    return keys;
}

static void values(void) {
    custodia_keyring *keys = ring();
    custodia_cipher *cipher = NULL;
    CHECK_STATUS(custodia_cipher_new(keys, S("old"), &cipher), CUSTODIA_STATUS_INVALID_KEY);
    CHECK(cipher == NULL);
    CHECK_STATUS(custodia_cipher_new(keys, S("gone"), &cipher), CUSTODIA_STATUS_UNKNOWN_KEY);
    CHECK_STATUS(custodia_cipher_new(keys, S("new"), &cipher), CUSTODIA_STATUS_OK);
    custodia_keyring_free(keys);

    char *sealed = NULL, *plain = NULL, *again = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_cipher_encrypt(cipher, S("email"), S("c-1"), S("ann@example.com"), 0, &sealed, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(sealed && len == strlen(sealed) && strncmp(sealed, "enc1.new.", 9) == 0);
    /* '@' is not in base64url: a random ciphertext cannot hold it by chance
     * (a bare "ann" turns up in about one run in five thousand). */
    CHECK(sealed && !contains(sealed, "ann@"));
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("email"), S("c-1"), sealed, len, &plain, &len), CUSTODIA_STATUS_OK);
    CHECK(plain && strcmp(plain, "ann@example.com") == 0);
    custodia_string_free(plain);
    plain = NULL;
    /* Moved to another record or field: refused, and the value is not in the message. */
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("email"), S("c-2"), sealed, strlen(sealed), &plain, &len),
                 CUSTODIA_STATUS_CANNOT_DECRYPT);
    CHECK(plain == NULL);
    CHECK(contains(custodia_last_error_message(), "email"));
    CHECK(!contains(custodia_last_error_message(), "ann@"));
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("phone"), S("c-1"), sealed, strlen(sealed), &plain, &len),
                 CUSTODIA_STATUS_CANNOT_DECRYPT);
    /* One character changed. */
    size_t n = strlen(sealed);
    sealed[n - 2] = sealed[n - 2] == 'A' ? 'B' : 'A';
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("email"), S("c-1"), sealed, n, &plain, &len),
                 CUSTODIA_STATUS_CANNOT_DECRYPT);
    custodia_string_free(sealed);
    sealed = NULL;

    /* Deterministic: equal values, equal ciphertexts. */
    CHECK_STATUS(custodia_cipher_encrypt(cipher, S("email"), S("c-1"), S("ann@example.com"), 1, &sealed, &len),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_cipher_encrypt(cipher, S("email"), S("c-1"), S("ann@example.com"), 1, &again, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(sealed && again && strcmp(sealed, again) == 0 && strncmp(sealed, "det1.new..", 10) == 0);
    custodia_string_free(sealed);
    custodia_string_free(again);

    CHECK_STATUS(custodia_cipher_encrypt(NULL, S("email"), S("c-1"), S("x"), 0, &sealed, &len),
                 CUSTODIA_STATUS_NULL_ARGUMENT);
    custodia_cipher_free(cipher);
    custodia_cipher_free(NULL);
}

/* A host's key store: two keys, "old" decrypt-only; counts its calls. */
static int provider_calls = 0;

static int provider(void *context, const char *id, size_t id_len, unsigned char *secret_out, int *decrypt_only_out) {
    int *calls = context;
    (*calls)++;
    if (id_len == 3 && memcmp(id, "old", 3) == 0) {
        memcpy(secret_out, OLD_KEY, 32);
        *decrypt_only_out = 1;
        return 1;
    }
    if (id_len == 3 && memcmp(id, "new", 3) == 0) {
        memcpy(secret_out, NEW_KEY, 32);
        *decrypt_only_out = 0;
        return 1;
    }
    if (id_len == 4 && memcmp(id, "down", 4) == 0) return -1;
    return 0;
}

static void rotation_with_a_provider(void) {
    /* Something encrypted under "old" while it was active. */
    custodia_keyring *keys = NULL;
    custodia_cipher *old = NULL, *cipher = NULL;
    CHECK_STATUS(custodia_keyring_new(&keys), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_keyring_add(keys, S("old"), OLD_KEY, sizeof OLD_KEY), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_cipher_new(keys, S("old"), &old), CUSTODIA_STATUS_OK);
    custodia_keyring_free(keys);
    char *sealed = NULL, *moved = NULL, *plain = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_cipher_encrypt(old, S("phone"), S("c-9"), S("+8613812345678"), 0, &sealed, &len),
                 CUSTODIA_STATUS_OK);
    custodia_cipher_free(old);

    CHECK_STATUS(custodia_cipher_new_with_provider(provider, &provider_calls, S("old"), &cipher),
                 CUSTODIA_STATUS_INVALID_KEY);
    CHECK_STATUS(custodia_cipher_new_with_provider(provider, &provider_calls, S("down"), &cipher),
                 CUSTODIA_STATUS_INVALID_KEY);
    CHECK_STATUS(custodia_cipher_new_with_provider(NULL, NULL, S("new"), &cipher), CUSTODIA_STATUS_NULL_ARGUMENT);
    provider_calls = 0;
    CHECK_STATUS(custodia_cipher_new_with_provider(provider, &provider_calls, S("new"), &cipher), CUSTODIA_STATUS_OK);
    CHECK(provider_calls == 1);
    CHECK_STATUS(custodia_cipher_rewrap(cipher, S("phone"), S("c-9"), sealed, len, &moved, &len), CUSTODIA_STATUS_OK);
    CHECK(provider_calls == 2);
    CHECK(moved && strncmp(moved, "enc1.new.", 9) == 0);
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("phone"), S("c-9"), moved, len, &plain, &len), CUSTODIA_STATUS_OK);
    CHECK(plain && strcmp(plain, "+8613812345678") == 0);
    custodia_string_free(plain);
    /* Keys are asked for once. */
    CHECK_STATUS(custodia_cipher_decrypt(cipher, S("phone"), S("c-9"), sealed, strlen(sealed), &plain, &len),
                 CUSTODIA_STATUS_OK);
    CHECK(provider_calls == 2);
    custodia_string_free(plain);
    custodia_string_free(moved);
    custodia_string_free(sealed);
    custodia_cipher_free(cipher);
}

static const char POLICY[] =
    "{\"name\": \"vault\", \"audiences\": {"
    " \"storage\": {\"customer_id\": \"keep\", \"city\": \"keep\","
    "   \"phone\": {\"op\": \"encrypt\", \"key\": \"new\"},"
    "   \"email\": {\"op\": \"encrypt\", \"key\": \"new\", \"deterministic\": true}},"
    " \"support\": {\"customer_id\": \"keep\", \"phone\": \"phone_cn\", \"email\": \"email\", \"city\": \"keep\"}},"
    " \"reveal\": {\"support\": [\"phone\"]}}";

static char *get(custodia_record *record, const char *field) {
    char *value = NULL;
    size_t len = 0;
    CHECK_STATUS(custodia_record_get(record, field, strlen(field), &value, &len), CUSTODIA_STATUS_OK);
    return value;
}

static void stored_records(void) {
    custodia_schema *schema = NULL;
    custodia_policy *policy = NULL;
    custodia_masker *masker = NULL;
    custodia_keyring *keys = ring();
    CHECK_STATUS(custodia_schema_customer(&schema), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_policy_from_json(S(POLICY), &policy), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_new(schema, policy, keys, &masker), CUSTODIA_STATUS_OK);
    custodia_keyring_free(keys);
    custodia_policy_free(policy);

    custodia_record *record = NULL, *stored = NULL, *shown = NULL, *rewrapped = NULL, *moved = NULL;
    CHECK_STATUS(custodia_record_from_json(schema,
                                           S("{\"customer_id\": \"c-1\", \"phone\": \"138 1234 5678\","
                                             " \"email\": \"ann@example.com\", \"city\": \"上海\", \"country\": \"CN\"}"),
                                           &record),
                 CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_mask(masker, record, S("storage"), &stored), CUSTODIA_STATUS_OK);
    char *v = get(stored, "phone");
    CHECK(v && strncmp(v, "enc1.new.", 9) == 0);
    custodia_string_free(v);
    CHECK_STATUS(custodia_masker_reveal(masker, stored, S("support"), &shown), CUSTODIA_STATUS_OK);
    v = get(shown, "phone");
    CHECK(v && strcmp(v, "138****5678") == 0);
    custodia_string_free(v);
    v = get(shown, "email");
    CHECK(v && strcmp(v, "[redacted]") == 0); /* not granted */
    custodia_string_free(v);
    CHECK_STATUS(custodia_masker_rewrap(masker, stored, S("storage"), &rewrapped), CUSTODIA_STATUS_OK);
    /* Into another record: refused. */
    CHECK_STATUS(custodia_record_set(stored, S("customer_id"), S("c-2")), CUSTODIA_STATUS_OK);
    CHECK_STATUS(custodia_masker_reveal(masker, stored, S("support"), &moved), CUSTODIA_STATUS_CANNOT_DECRYPT);
    CHECK(moved == NULL);
    CHECK(!contains(custodia_last_error_message(), "5678"));
    CHECK_STATUS(custodia_masker_reveal(masker, stored, S("nobody"), &moved), CUSTODIA_STATUS_UNKNOWN_AUDIENCE);

    custodia_record_free(rewrapped);
    custodia_record_free(shown);
    custodia_record_free(stored);
    custodia_record_free(record);
    custodia_masker_free(masker);
    custodia_schema_free(schema);
}

int main(void) {
    values();
    rotation_with_a_provider();
    stored_records();
    FINISH();
}
