-- Datasets: frozen, content-addressed snapshots of candles (README, "Datasets"). The id is the hash of
-- the manifest's content, so a row is never updated but for its last verification; the files are
-- objects in the lake named by their SHA-256 (datasets/objects/<sha256>.parquet), written once.
CREATE TABLE datasets (
    id            text PRIMARY KEY,
    exchange      text NOT NULL,
    start_ts      timestamptz NOT NULL,
    end_ts        timestamptz NOT NULL,
    manifest      jsonb NOT NULL,            -- the content the id is the hash of
    created_at    timestamptz NOT NULL DEFAULT now(),
    verified_at   timestamptz,               -- the last POST /api/datasets/{id}/verify
    verified_ok   boolean
);
CREATE INDEX datasets_created ON datasets (created_at DESC, id DESC);

-- Names are labels: one dataset may have several (the same content asked for under another name),
-- and one name may label several datasets. The first label is the dataset's name.
CREATE TABLE dataset_labels (
    dataset_id   text NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name         text NOT NULL,
    labelled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset_id, name)
);

-- Which objects a dataset uses: an object is deleted only with the last dataset naming its hash.
CREATE TABLE dataset_files (
    dataset_id  text NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name        text NOT NULL,
    sha256      text NOT NULL,
    PRIMARY KEY (dataset_id, name)
);
CREATE INDEX dataset_files_sha256 ON dataset_files (sha256);
