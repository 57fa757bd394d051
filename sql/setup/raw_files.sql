-- The Parquet files that hold the raw layer's rows, one per received submission, each written
-- once, when the submission is received, and never changed (pipelines/store/raw_files.py).
-- `raw.<feed>` is a view over the feed's files; `file` is relative to the warehouse's row
-- folder (`<warehouse>.facts/`), so a deployment restored elsewhere reads its own copies;
-- `signature` is the digest of raw's columns the file was written with.
create table if not exists raw.files (
    feed varchar not null,
    submission_id varchar not null,
    file varchar not null,
    signature varchar not null,
    row_count bigint not null
);
