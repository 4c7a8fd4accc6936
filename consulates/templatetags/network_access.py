"""Template questions about a user's place in the network (``consulates.access``)."""

from django import template

from consulates.policy import can

register = template.Library()


@register.filter
def works_with_cases(user) -> bool:
    """Staff who read case data and the reports (not auditors, partners or anyone else)."""
    return can(user, "report.view")
