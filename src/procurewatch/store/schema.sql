-- procurewatch store: one DuckDB file. Facts per notice, findings with evidence, and
-- procurements (linked notices). Every table is keyed by notice id, so a notice's rows
-- are written in the same transaction and re-ingesting replaces nothing.
-- Generated from store/tables.py, which is what to edit.

CREATE TABLE IF NOT EXISTS notices (
    id              VARCHAR PRIMARY KEY,
    fingerprint     VARCHAR NOT NULL,     -- normalised-content hash: re-posts share it
    path            VARCHAR NOT NULL,     -- file as given ("archive.zip!member" inside archives)
    locator         VARCHAR NOT NULL,     -- "" for a one-notice file, index/key/release id otherwise
    url             VARCHAR,
    kind            VARCHAR NOT NULL,     -- html | pdf | image | text | record | ocds
    title           VARCHAR,
    body            VARCHAR,
    attachments     VARCHAR,
    notice_type     VARCHAR NOT NULL,     -- tender | amendment | award | contract | cancellation | other
    published       DATE,                 -- cast from the notice's text on insert: NULL when it is no date
    project_code    VARCHAR,
    ocid            VARCHAR,
    buyer           VARCHAR,
    language        VARCHAR,
    country         VARCHAR,
    province        VARCHAR,
    city            VARCHAR,
    district        VARCHAR,
    admin_code      VARCHAR,
    amount_value    DOUBLE,               -- headline figure (award/contract preferred over budget)
    amount_currency VARCHAR,
    amount_kind     VARCHAR,              -- budget | award | contract
    relevant        BOOLEAN NOT NULL,
    score           DOUBLE NOT NULL,
    title_match     BOOLEAN NOT NULL,     -- some category evidence lies in the title (strict count)
    ingested_at     TIMESTAMP NOT NULL,
    role            VARCHAR,              -- primary | component (surveillance is what is bought | a part)
    ocr_confidence  DOUBLE,               -- 0..1: the OCR engine's confidence when text came from a scan
    amount_notes    VARCHAR               -- figures rejected as implausible (amount_limits): what and why
);

CREATE TABLE IF NOT EXISTS parties (
    notice_id VARCHAR NOT NULL,
    role      VARCHAR NOT NULL,  -- buyer | supplier | candidate (a ranked bidder, not a winner)
    position  INTEGER NOT NULL,  -- order among the notice's suppliers; a candidate's rank (1 = first)
    name      VARCHAR NOT NULL,
    vendor    VARCHAR            -- vendor id when the name resolves to a known vendor
);

CREATE TABLE IF NOT EXISTS amounts (
    notice_id VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    value     DOUBLE NOT NULL,
    currency  VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS findings (
    notice_id VARCHAR NOT NULL,
    category  VARCHAR NOT NULL,  -- taxonomy id
    score     DOUBLE NOT NULL,
    role      VARCHAR            -- primary | component
);

CREATE TABLE IF NOT EXISTS vendor_mentions (
    notice_id VARCHAR NOT NULL,
    vendor    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS evidence (
    notice_id    VARCHAR NOT NULL,
    subject_kind VARCHAR NOT NULL,  -- category | vendor
    subject      VARCHAR NOT NULL,  -- taxonomy id or vendor id
    field        VARCHAR NOT NULL,  -- title | body | attachments
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    text         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS items (
    notice_id   VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    description VARCHAR,
    scheme      VARCHAR,           -- CPV | UNSPSC | DK021 | CUCOP ...
    code        VARCHAR
);

-- One row per input file seen by ingest: what landed and what was skipped, and why.
CREATE TABLE IF NOT EXISTS files (
    path        VARCHAR PRIMARY KEY,
    size        BIGINT,
    mtime       DOUBLE,
    status      VARCHAR NOT NULL,     -- done | skipped | partial
    notices     INTEGER NOT NULL,
    errors      INTEGER NOT NULL,
    error       VARCHAR,              -- the first reason something was skipped
    ingested_at TIMESTAMP NOT NULL
);

-- Linking (link/run.py): every notice belongs to exactly one procurement.
CREATE TABLE IF NOT EXISTS procurements (
    id              VARCHAR PRIMARY KEY,
    title           VARCHAR,
    buyer           VARCHAR,
    project_code    VARCHAR,
    ocid            VARCHAR,
    first_published DATE,
    last_published  DATE,
    status          VARCHAR,              -- open | awarded | contracted | cancelled
    notices         INTEGER NOT NULL,
    spend_value     DOUBLE,               -- award/contract value when known, else budget (see spend_kind)
    spend_currency  VARCHAR,
    spend_kind      VARCHAR,
    relevant        BOOLEAN NOT NULL,
    score           DOUBLE NOT NULL,
    title_match     BOOLEAN NOT NULL,
    country         VARCHAR,
    province        VARCHAR,
    city            VARCHAR,
    admin_code      VARCHAR,
    buyer_key       VARCHAR,              -- the earliest notice's link keys (notice_keys) that are set
    title_key       VARCHAR,
    code_key        VARCHAR,
    notices_all     INTEGER,              -- notices with re-posts (notices leaves them out)
    spend_notice    VARCHAR,              -- the notice spend_value is taken from
    role            VARCHAR               -- primary if a member's purchase is surveillance, else component
);

CREATE TABLE IF NOT EXISTS notice_links (
    notice_id      VARCHAR PRIMARY KEY,
    procurement_id VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,     -- first|fingerprint|near_duplicate|project_code|ocid|similarity
    score          DOUBLE NOT NULL,
    duplicate_of   VARCHAR               -- set when this notice is a re-post of another notice
);

-- What linking compares of each notice (link/keys.py), written with the notice while storing.
CREATE TABLE IF NOT EXISTS notice_minhash (
    notice_id VARCHAR NOT NULL,
    signature BLOB NOT NULL USING COMPRESSION uncompressed  -- MinHash of title and body (num_perm uint32)
);

CREATE TABLE IF NOT EXISTS notice_lsh_bands (
    notice_id VARCHAR NOT NULL,
    band      SMALLINT NOT NULL,
    hash      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS notice_keys (
    notice_id VARCHAR NOT NULL,
    buyer_key VARCHAR,
    title_key VARCHAR,
    code_key  VARCHAR,
    cancelled BOOLEAN NOT NULL
);

-- A person's decisions on procurements (review/decisions.py). Kept across re-ingest and
-- re-linking: a decision holds through its member notices' fingerprints (review_notices),
-- not the procurement id.
CREATE TABLE IF NOT EXISTS reviews (
    id             BIGINT PRIMARY KEY,  -- in the order decided: the latest decision on a procurement wins
    decision       VARCHAR NOT NULL,    -- confirmed | rejected (is it a surveillance purchase)
    categories     VARCHAR,             -- taxonomy ids the reviewer names, comma-separated
    role           VARCHAR,             -- primary | component
    note           VARCHAR,             -- why (exported as the label's basis)
    reviewer       VARCHAR NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    procurement_id VARCHAR NOT NULL     -- the procurement when decided (ids change on re-linking)
);

CREATE TABLE IF NOT EXISTS review_notices (
    review_id   BIGINT NOT NULL,
    fingerprint VARCHAR NOT NULL,  -- a member notice's normalised-content hash: what the decision follows
    notice_id   VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    locator     VARCHAR NOT NULL
);

-- Organisations behind buyer, supplier and candidate names (entities/), rebuilt after
-- linking from the names in parties and the corrections in organisation_decisions.
CREATE TABLE IF NOT EXISTS organisations (
    id          VARCHAR PRIMARY KEY,  -- v-<vendor id> for a vendor of vendors.json, else o-<hash of key>
    name        VARCHAR NOT NULL,     -- the spelling written most often (a vendor's own name)
    key         VARCHAR NOT NULL,     -- the smallest normalised key among its names (entities/keys.py)
    vendor      VARCHAR,              -- vendor id when the organisation is a vendor's anchor
    parent_id   VARCHAR,              -- the organisation a branch or a vendor's company belongs to
    parent_rule VARCHAR,              -- branch | vendor-family
    mentions    INTEGER NOT NULL      -- buyer, supplier and candidate mentions of its names
);

CREATE TABLE IF NOT EXISTS organisation_names (
    name            VARCHAR PRIMARY KEY,  -- a name exactly as parties holds it
    key             VARCHAR NOT NULL,     -- its normalised key
    organisation_id VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL,     -- why it is there: same-key | vendor-alias | place-prefix ...
    mentions        INTEGER NOT NULL,     -- rows of parties with this name
    roles           VARCHAR NOT NULL      -- the roles it is written in, comma-separated
);

-- Who took part in which procurement, in which role: what the organisation pages and the
-- network read, kept in organisation order (entities/build.py).
CREATE TABLE IF NOT EXISTS organisation_procurements (
    organisation_id VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,  -- buyer | supplier | candidate
    procurement_id  VARCHAR NOT NULL,
    rank            INTEGER,           -- a candidate's best rank in the procurement
    year            INTEGER,           -- of the procurement's first notice
    relevant        BOOLEAN NOT NULL,
    spend_value     DOUBLE,
    spend_currency  VARCHAR,
    categories      VARCHAR,           -- of a surveillance procurement, comma-separated
    evidence        VARCHAR            -- one evidence text of its categories
);

-- What /buyers and /suppliers list, per organisation and role (entities/build.py).
CREATE TABLE IF NOT EXISTS organisation_stats (
    organisation_id VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,  -- buyer | supplier (winners; candidates are not counted)
    procurements    INTEGER NOT NULL,
    surveillance    INTEGER NOT NULL,  -- of them, detected as surveillance (relevant)
    spend_value     DOUBLE,            -- summed spend in spend_currency (the most frequent currency)
    spend_currency  VARCHAR,
    first_year      INTEGER,
    last_year       INTEGER,
    categories      VARCHAR,           -- taxonomy ids of its surveillance procurements, comma-separated
    counterparts    INTEGER NOT NULL,  -- suppliers of a buyer, buyers of a supplier
    search_text     VARCHAR NOT NULL   -- its names, folded, for the list's search
);

-- A person's corrections of organisations (entities/decisions.py), kept by the names' keys,
-- so they hold across re-ingest and every rebuild of the organisation tables.
CREATE TABLE IF NOT EXISTS organisation_decisions (
    id         BIGINT PRIMARY KEY,  -- in the order decided: a later decision on a key wins
    action     VARCHAR NOT NULL,    -- merge | split
    name_a     VARCHAR NOT NULL,    -- as the person gave it
    key_a      VARCHAR NOT NULL,    -- what it follows (a split: '=' + the spelling's literal key)
    name_b     VARCHAR,
    key_b      VARCHAR,
    note       VARCHAR,
    reviewer   VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
