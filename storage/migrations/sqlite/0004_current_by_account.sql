-- A resident may correct the readings of a period as often as the window allows; each time the
-- readings and bill before are kept as history (is_current = 0). The queries for the current
-- ones read these indexes only, so an account's superseded rows do not slow its every turn.
CREATE INDEX readings_current_by_account ON readings (account, period) WHERE is_current = 1;
CREATE INDEX bills_current_by_account ON bills (account, period) WHERE is_current = 1;
