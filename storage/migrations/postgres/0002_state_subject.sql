-- The account a dialog state is about (a submission in progress): read with the state in one
-- trip, so a turn of the submission needs no separate account and readings queries.
ALTER TABLE dialog_states ADD COLUMN subject TEXT;
