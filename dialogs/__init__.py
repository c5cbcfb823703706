"""The channel-agnostic conversation: neutral events in, neutral replies out."""
