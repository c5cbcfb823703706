-- An account's money position lives in one place with two sources: the credit each bill carries
-- forward (an overpayment, Rules 354 p.61) and the balance the supplier's billing system reports
-- as of a day (import-balances). `money_position` picks the newer of the two.
ALTER TABLE bills ADD COLUMN credit numeric NOT NULL DEFAULT 0;
ALTER TABLE balances ADD COLUMN as_of date;  -- NULL: older than any bill
ALTER TABLE balances ADD COLUMN last_payment_date date;
ALTER TABLE balances ADD COLUMN last_payment_amount numeric;
