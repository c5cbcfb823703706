-- Money, readings and areas are TEXT decimals (never REAL); timestamps are ISO 8601 with offset;
-- periods are 'YYYY-MM' text, which sorts in time order.

CREATE TABLE accounts (
    number TEXT NOT NULL PRIMARY KEY CHECK (length(number) = 10),
    address TEXT NOT NULL DEFAULT '',
    stove TEXT NOT NULL CHECK (stove IN ('gas', 'electric')),
    status TEXT NOT NULL CHECK (status IN ('active', 'automatic', 'closed')),
    residents INTEGER,
    area_m2 TEXT,
    phones TEXT NOT NULL DEFAULT '',  -- space-separated +7…; account_phones indexes them
    window_start_day INTEGER,
    window_end_day INTEGER
) WITHOUT ROWID;

CREATE TABLE account_phones (
    phone TEXT NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (number) ON DELETE CASCADE,
    PRIMARY KEY (phone, account)
) WITHOUT ROWID;

CREATE TABLE meters (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (number) ON DELETE CASCADE,
    serial TEXT NOT NULL,
    zones INTEGER NOT NULL CHECK (zones IN (1, 2, 3)),
    digits INTEGER NOT NULL DEFAULT 6,
    decimals INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    replaced_at TEXT,
    UNIQUE (account, serial)
);
CREATE UNIQUE INDEX meters_one_active ON meters (account) WHERE active = 1;

CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (number) ON DELETE CASCADE,
    meter_id INTEGER NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    t1 TEXT NOT NULL,
    t2 TEXT,
    t3 TEXT,
    source TEXT NOT NULL CHECK (source IN ('resident', 'control', 'automatic', 'estimated')),
    channel TEXT NOT NULL DEFAULT '',
    chat_user TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 1
);
-- At most one current reading per meter and period; superseded ones stay as history.
CREATE UNIQUE INDEX readings_one_current ON readings (meter_id, period) WHERE is_current = 1;
CREATE INDEX readings_by_account ON readings (account, period);
CREATE INDEX readings_by_period ON readings (period, account) WHERE is_current = 1;

CREATE TABLE bills (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (number) ON DELETE CASCADE,
    period TEXT NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('actual', 'average', 'normative', 'recalculation')),
    total TEXT NOT NULL,
    due TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '[]',
    reading_id INTEGER REFERENCES readings (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX bills_by_account ON bills (account, period);

CREATE TABLE bill_lines (
    bill_id INTEGER NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    quantity_kwh TEXT NOT NULL,
    rate TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (bill_id, position)
) WITHOUT ROWID;

CREATE TABLE balances (
    account TEXT PRIMARY KEY REFERENCES accounts (number) ON DELETE CASCADE,
    amount TEXT NOT NULL
);

CREATE TABLE chat_profiles (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'ru',
    consent_at TEXT,
    reminders_on INTEGER NOT NULL DEFAULT 1,
    blocked INTEGER NOT NULL DEFAULT 0,
    current_account TEXT,
    PRIMARY KEY (channel, user_id)
) WITHOUT ROWID;

CREATE TABLE bindings (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (number) ON DELETE CASCADE,
    alias TEXT NOT NULL DEFAULT '',
    bound_at TEXT NOT NULL,
    PRIMARY KEY (channel, user_id, account)
) WITHOUT ROWID;
CREATE INDEX bindings_by_account ON bindings (account);

CREATE TABLE dialog_states (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (channel, user_id)
) WITHOUT ROWID;

CREATE TABLE bind_failures (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX bind_failures_by_chat ON bind_failures (channel, user_id, at);

-- scope 'update': claim_update; scope 'submission': record_submission's own guard, so that a
-- dialog that claimed an update id may still pass the same id to record_submission.
CREATE TABLE processed_updates (
    scope TEXT NOT NULL,
    channel TEXT NOT NULL,
    update_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (scope, channel, update_id)
) WITHOUT ROWID;

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (kind, period)
);

CREATE TABLE campaign_recipients (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    account TEXT NOT NULL,
    alias TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    UNIQUE (campaign_id, channel, user_id, account)
);
CREATE INDEX campaign_recipients_by_status ON campaign_recipients (campaign_id, status, id);
