-- Outages of supply and the buildings they affect; residents hear of them through campaigns
-- (kind 'outage:<id>:<notice>', see bot/outages).
--
-- An account's building: its ГАР/ФИАС GUID as the accounts CSV gives it (`house_id`), and the
-- key billing_core.buildings reads from its address (`building`, '' when none can be read).
-- `building_from` is the address the key was read from: an account whose address changed since
-- (or that is new) has its key read again before outages are matched (storage/outage_rows.py).
ALTER TABLE accounts ADD COLUMN house_id TEXT;
ALTER TABLE accounts ADD COLUMN building TEXT;
ALTER TABLE accounts ADD COLUMN building_from TEXT;
CREATE INDEX accounts_by_house_id ON accounts (house_id) WHERE house_id IS NOT NULL;
CREATE INDEX accounts_by_building ON accounts (building) WHERE building IS NOT NULL;

CREATE TABLE outages (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,  -- the operator's id of the outage
    kind TEXT NOT NULL CHECK (kind IN ('planned', 'emergency')),
    starts TEXT NOT NULL,  -- UTC, ISO 8601
    ends TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    revision INTEGER NOT NULL DEFAULT 1,  -- raised by news: another time, a cancellation
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outages_by_end ON outages (ends);

-- One row a building: by GUID (`building` '') or by address key (`house_id` '').
CREATE TABLE outage_buildings (
    outage_id INTEGER NOT NULL REFERENCES outages (id) ON DELETE CASCADE,
    house_id TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',  -- as the operator wrote it
    PRIMARY KEY (outage_id, house_id, building)
) WITHOUT ROWID;

-- Chats that turned outage notices off (reading reminders are apart: chat_profiles).
CREATE TABLE outage_opt_outs (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (channel, user_id),
    FOREIGN KEY (channel, user_id) REFERENCES chat_profiles (channel, user_id) ON DELETE CASCADE
) WITHOUT ROWID;
