"""Conversations, one module per area; each step takes a Turn and an event, returns replies."""
