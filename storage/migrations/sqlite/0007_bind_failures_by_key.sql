-- Failed binding tries are kept under a keyed hash of the chat rather than its messenger id, so
-- /forget leaves them in place (a lockout outlives it) while no id of the chat stays behind; each
-- try names the account it aimed at, for the limit per account. Tries older than the lockout
-- window mean nothing, so the old rows are dropped rather than converted.
DROP TABLE bind_failures;
CREATE TABLE bind_failures (
    id INTEGER PRIMARY KEY,
    chat_key TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX bind_failures_by_chat ON bind_failures (chat_key, at);
CREATE INDEX bind_failures_by_account ON bind_failures (account, at);

-- /forget puts a keyed hash in place of the chat's id in its readings: this finds them without
-- reading the whole table. Partial: imported and estimated readings name no chat.
CREATE INDEX readings_by_chat ON readings (channel, chat_user) WHERE chat_user <> '';
