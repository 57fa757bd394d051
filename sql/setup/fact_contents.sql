-- What each copy of a fact table holds, by submission and period. The facts are kept by
-- submission rather than rebuilt, and this is how a run knows whose rows to add or take out
-- without reading the facts: a quiet night finds nothing to do, a month's file adds its own rows.
-- `holder` names the copy: marts.<fact> in this warehouse, analysts:marts.<fact> in the
-- analysts' file. A pair carries its verdict's time, so a submission validated again is replaced.
create table if not exists staging.fact_contents (
    holder varchar not null,
    submission_id varchar not null,
    period date not null,
    validated_at timestamptz
);

-- The analysts' file that the analysts: holders describe (inode, size, modification time). Any
-- other file in its place (restored from a backup, or a publish cut short) is published whole.
create table if not exists staging.published_file (
    identity varchar not null
);
