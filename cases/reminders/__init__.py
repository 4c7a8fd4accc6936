"""Reminders: what is reminded to whom and when (schedule), how it is said (messages), through which
channel (channels), and the outbox machinery (dispatch)."""
