-- A resident may correct the readings of a period as often as the window allows; each time the
-- readings and bill before are kept as history (is_current = 0). With is_current right after
-- the account, the queries for the current ones never read that history, so an account's
-- superseded rows do not slow its every turn. The indexes are replaced, not added to: an import
-- writes every reading through each of them.
DROP INDEX readings_by_account;
CREATE INDEX readings_by_account ON readings (account, is_current, period);
DROP INDEX bills_by_account;
CREATE INDEX bills_by_account ON bills (account, is_current, period);
