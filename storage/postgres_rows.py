"""A dialog turn's read and write on PostgreSQL, each one statement (one round trip)."""

from __future__ import annotations

# Profile, state and "update seen" of one chat: one round trip.
LOAD_CHAT = (
    "SELECT p.channel IS NOT NULL AS has_profile, p.locale, p.consent_at, p.reminders_on, "
    "p.blocked, p.current_account, s.state, s.data::text AS data, s.subject, "
    "EXISTS (SELECT 1 FROM processed_updates "
    "WHERE scope = 'update' AND channel = $1 AND update_id = $3) AS seen "
    "FROM (SELECT 1) AS one LEFT JOIN chat_profiles p ON p.channel = $1 AND p.user_id = $2 "
    "LEFT JOIN dialog_states s ON s.channel = $1 AND s.user_id = $2"
)
# A turn's whole write in one statement, so one round trip and one implicit transaction:
# each part writes nothing when its first parameter ($3 update id, $4 state, $6 locale) is null.
SAVE_TURN = (
    "WITH claimed AS (INSERT INTO processed_updates (scope, channel, update_id, at) "
    "SELECT 'update', $1, $3::text, $11::timestamptz WHERE $3::text IS NOT NULL "
    "ON CONFLICT DO NOTHING RETURNING 1), "
    # The first turn to commit an update id wins; a concurrent one waits on the key, finds it
    # taken and writes nothing.
    "go AS (SELECT ($3::text IS NULL OR EXISTS (SELECT 1 FROM claimed)) AS ok), "
    "saved_state AS (INSERT INTO dialog_states (channel, user_id, state, data, subject) "
    "SELECT $1, $2, $4::text, $5::jsonb, $12::text WHERE $4::text IS NOT NULL "
    "AND (SELECT ok FROM go) ON CONFLICT (channel, user_id) DO UPDATE SET "
    "state = EXCLUDED.state, data = EXCLUDED.data, subject = EXCLUDED.subject), "
    "saved_profile AS (INSERT INTO chat_profiles (channel, user_id, locale, consent_at, "
    "reminders_on, blocked, current_account) SELECT $1, $2, $6::text, $7::timestamptz, "
    "$8::boolean, $9::boolean, $10::text WHERE $6::text IS NOT NULL AND (SELECT ok FROM go) "
    "ON CONFLICT (channel, user_id) DO UPDATE SET locale = EXCLUDED.locale, "
    "consent_at = EXCLUDED.consent_at, reminders_on = EXCLUDED.reminders_on, "
    "blocked = EXCLUDED.blocked, current_account = EXCLUDED.current_account) "
    "SELECT ok FROM go"
)
