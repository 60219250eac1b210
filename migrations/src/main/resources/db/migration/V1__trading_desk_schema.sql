-- The trading research desk: instruments, market data, research notes written by models, trade pitches,
-- trades and positions. Check constraints keep bad data out even when a client bypasses the API.

CREATE TABLE instruments (
    symbol      text        PRIMARY KEY CHECK (symbol ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    asset_class text        NOT NULL CHECK (asset_class IN ('equity', 'etf', 'crypto', 'fx', 'future')),
    currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One bar per symbol and instant. The primary key serves both "latest bar per symbol" (a backward scan per
-- symbol) and time-range reads.
CREATE TABLE price_bars (
    symbol text           NOT NULL REFERENCES instruments (symbol),
    ts     timestamptz    NOT NULL,
    open   numeric(20, 8) NOT NULL CHECK (open > 0),
    high   numeric(20, 8) NOT NULL CHECK (high > 0),
    low    numeric(20, 8) NOT NULL CHECK (low > 0),
    close  numeric(20, 8) NOT NULL CHECK (close > 0),
    volume numeric(24, 4) NOT NULL CHECK (volume >= 0),
    PRIMARY KEY (symbol, ts),
    CONSTRAINT price_bars_range CHECK (low <= high AND open BETWEEN low AND high AND close BETWEEN low AND high)
);

CREATE TABLE research_notes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    symbol     text        NOT NULL REFERENCES instruments (symbol),
    model      text        NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
    title      text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body       text        NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    payload    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    tags       text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 50),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- "Latest N" and keyset pages walk the primary key backwards (id is unique and never changes, so a page
-- boundary can neither skip nor repeat a row); filtered pages get an index per filter.
CREATE INDEX research_notes_symbol_idx ON research_notes (symbol, id DESC);
CREATE INDEX research_notes_model_idx ON research_notes (model, id DESC);
CREATE INDEX research_notes_created_idx ON research_notes (created_at);
CREATE INDEX research_notes_tags_idx ON research_notes USING gin (tags);
CREATE INDEX research_notes_payload_idx ON research_notes USING gin (payload jsonb_path_ops);

CREATE TABLE pitches (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    symbol       text           NOT NULL REFERENCES instruments (symbol),
    side         text           NOT NULL CHECK (side IN ('buy', 'sell')),
    thesis       text           NOT NULL CHECK (length(thesis) BETWEEN 1 AND 20000),
    entry_price  numeric(20, 8) NOT NULL CHECK (entry_price > 0),
    target_price numeric(20, 8) NOT NULL CHECK (target_price > 0),
    stop_price   numeric(20, 8) NOT NULL CHECK (stop_price > 0),
    confidence   numeric(4, 3)  NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    status       text           NOT NULL DEFAULT 'draft'
                                CHECK (status IN ('draft', 'approved', 'rejected', 'executed')),
    -- Optimistic concurrency: every status change bumps it; a client that saw an older version gets a conflict.
    version      integer        NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz    NOT NULL DEFAULT now(),
    updated_at   timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX pitches_status_idx ON pitches (status, id DESC);
CREATE INDEX pitches_symbol_idx ON pitches (symbol, id DESC);

-- The research notes behind a pitch.
CREATE TABLE pitch_research (
    pitch_id bigint NOT NULL REFERENCES pitches (id) ON DELETE CASCADE,
    note_id  bigint NOT NULL REFERENCES research_notes (id),
    PRIMARY KEY (pitch_id, note_id)
);
CREATE INDEX pitch_research_note_idx ON pitch_research (note_id);

CREATE TABLE trades (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A pitch is executed at most once, whatever the clients do concurrently.
    pitch_id        bigint         NOT NULL UNIQUE REFERENCES pitches (id),
    symbol          text           NOT NULL REFERENCES instruments (symbol),
    side            text           NOT NULL CHECK (side IN ('buy', 'sell')),
    quantity        numeric(24, 8) NOT NULL CHECK (quantity > 0),
    price           numeric(20, 8) NOT NULL CHECK (price > 0),
    executed_at     timestamptz    NOT NULL DEFAULT now(),
    idempotency_key text           UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200)
);
CREATE INDEX trades_symbol_idx ON trades (symbol, executed_at);

-- Net position per instrument: quantity is signed (negative = short), average_price is the cost basis of the
-- open quantity, realized_pnl accumulates what closing trades locked in.
CREATE TABLE positions (
    symbol        text           PRIMARY KEY REFERENCES instruments (symbol),
    quantity      numeric(24, 8) NOT NULL,
    average_price numeric(20, 8) NOT NULL CHECK (average_price >= 0),
    realized_pnl  numeric(24, 8) NOT NULL DEFAULT 0,
    updated_at    timestamptz    NOT NULL DEFAULT now()
);
