/* libvips in-process, for benches/image_resize.rs: the anchor the issue names (libvips as
 * imgproxy and pyvips run it, in the process that serves), without the cost of starting a
 * `vips` command for each picture.
 *
 * One request a line on standard input, `SOURCE OUTPUT FORMAT SIDE QUALITY`; for each, the
 * source file is read into memory first (untimed, as the bench hands ours the bytes), then
 * `vips_thumbnail_buffer` makes the SIDE×SIDE centre crop and `vips_webpsave_buffer` or
 * `vips_jpegsave_buffer` encodes it at QUALITY with libvips' defaults and no metadata
 * (`strip`: ours writes none, and imgproxy strips it too). The answer is one line: the
 * nanoseconds those two calls took, then the resident memory in KiB before the call (`VmRSS`)
 * and the peak so far (`VmHWM`). The bytes go to OUTPUT.
 *
 * libvips runs one thread per operation (`vips_concurrency_set(1)`, as ours does) and its
 * operation cache is off (`vips_cache_set_max(0)`), so a repeated picture is made again each
 * time: the settings pillow-perf's libvips case uses for a fair side-by-side.
 *
 * Build: cc -O2 vips_thumbnail.c $(pkg-config --cflags --libs vips) (Debian: libvips-dev). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

/* A `kB` line of /proc/self/status, or -1. */
static long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long value = -1;
    size_t n = strlen(field);
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Makes one thumbnail; returns 0, or 1 with libvips' error on standard error. */
static int thumbnail(const char *source, const char *output, const char *format, int side,
                     int quality) {
    gchar *input = NULL;
    gsize input_len = 0;
    VipsImage *thumb = NULL;
    void *out = NULL;
    size_t out_len = 0;
    int failed;
    long rss;
    long long start, took;
    FILE *f;

    if (!g_file_get_contents(source, &input, &input_len, NULL)) {
        fprintf(stderr, "vips_thumbnail: cannot read %s\n", source);
        return 1;
    }
    rss = status_kib("VmRSS");
    start = now_ns();
    failed = vips_thumbnail_buffer(input, input_len, &thumb, side, "height", side, "crop",
                                   VIPS_INTERESTING_CENTRE, NULL);
    if (!failed) {
        if (strcmp(format, "webp") == 0)
            failed = vips_webpsave_buffer(thumb, &out, &out_len, "Q", quality, "strip",
                                          TRUE, NULL);
        else
            failed = vips_jpegsave_buffer(thumb, &out, &out_len, "Q", quality, "strip",
                                          TRUE, NULL);
    }
    took = now_ns() - start;
    if (thumb) g_object_unref(thumb);
    g_free(input);
    if (failed) {
        fprintf(stderr, "vips_thumbnail: %s", vips_error_buffer());
        return 1;
    }
    f = fopen(output, "wb");
    if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0) {
        fprintf(stderr, "vips_thumbnail: cannot write %s\n", output);
        g_free(out);
        return 1;
    }
    g_free(out);
    printf("%lld %ld %ld\n", took, rss, status_kib("VmHWM"));
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    char source[4096], output[4096], format[16];
    int side, quality;
    (void)argc;

    if (VIPS_INIT(argv[0])) vips_error_exit(NULL);
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    while (scanf("%4095s %4095s %15s %d %d", source, output, format, &side, &quality) == 5) {
        if (thumbnail(source, output, format, side, quality)) return 1;
    }
    vips_shutdown();
    return 0;
}
