/* Runs a pipeline through the C API, for the test that compares the CLI,
 * the Rust API and C byte for byte:
 *   run_pipeline SETTINGS.json OUTDIR INPUT [LEFT_NAME RIGHT_NAME RIGHT]
 * writes OUTDIR/{rows,rejects,pairs,golden} and exits 0, or prints the
 * last error and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custodia.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) { free(buf); buf = NULL; }
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int spill(const custodia_run *run, uint32_t part, const char *dir, const char *name) {
    custodia_str view;
    if (custodia_run_output(run, part, &view) != CUSTODIA_STATUS_OK) return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    size_t wrote = fwrite(view.ptr, 1, view.len, f);
    fclose(f);
    return wrote != view.len;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 7) {
        fprintf(stderr, "usage: run_pipeline SETTINGS OUTDIR INPUT [LEFT_NAME RIGHT_NAME RIGHT]\n");
        return 2;
    }
    size_t settings_len = 0, input_len = 0, right_len = 0;
    char *settings = slurp(argv[1], &settings_len);
    char *input = slurp(argv[3], &input_len);
    char *right = argc == 7 ? slurp(argv[6], &right_len) : NULL;
    int failed = 1;
    custodia_pipeline *pipeline = NULL;
    custodia_run *run = NULL;
    custodia_status status = custodia_pipeline_new(settings, settings_len, NULL, &pipeline);
    if (status == CUSTODIA_STATUS_OK) {
        if (argc == 7) {
            status = custodia_pipeline_link(pipeline, argv[4], strlen(argv[4]), input, input_len,
                                            argv[5], strlen(argv[5]), right, right_len, &run);
        } else {
            status = custodia_pipeline_run(pipeline, input, input_len, &run);
        }
    }
    if (status == CUSTODIA_STATUS_OK) {
        failed = spill(run, CUSTODIA_OUTPUT_ROWS, argv[2], "rows")
               | spill(run, CUSTODIA_OUTPUT_REJECTS, argv[2], "rejects")
               | spill(run, CUSTODIA_OUTPUT_PAIRS, argv[2], "pairs")
               | spill(run, CUSTODIA_OUTPUT_GOLDEN, argv[2], "golden");
    } else {
        fprintf(stderr, "%s: %s\n", custodia_status_name((uint32_t)status),
                custodia_last_error_message());
    }
    custodia_run_free(run);
    custodia_pipeline_free(pipeline);
    free(settings);
    free(input);
    free(right);
    return failed;
}
