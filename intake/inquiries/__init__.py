"""Inquiries from families and partners, and the searches to locate the person sought (issue 19)."""
