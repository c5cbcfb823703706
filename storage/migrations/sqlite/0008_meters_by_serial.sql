-- An import refuses a meter serial that is already active on another account: the check looks
-- each serial of a batch up among the active meters.
CREATE INDEX meters_active_by_serial ON meters (serial) WHERE active = 1;
