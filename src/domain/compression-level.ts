// The zstd level new data is stored at unless a repository's configuration or `--compression` says otherwise.
// Shared by the configuration schema and the repository engine, which is why it lives here.

/**
 * Level 2. Measured on the benchmark dataset (1.07 GB of text, JSON and logs in 29k blobs): level 3 compressed
 * it to 274 MB at ~210 MB/s, level 2 to 283 MB at ~255 MB/s, level 1 to 286 MB at ~310 MB/s. With level 2 the
 * initial backup of the whole benchmark took ~9% less time than with 3 over three alternating runs, and the
 * repository was 0.8% larger; level 1 gains little more speed, and its repository was up to 2% larger.
 */
export const DEFAULT_COMPRESSION_LEVEL = 2;
