"""Persistence behind one async interface: aiosqlite by default, asyncpg for scale."""
