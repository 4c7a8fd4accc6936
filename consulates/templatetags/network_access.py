"""Template questions about a user's place in the network (``consulates.access``)."""

from django import template

from consulates.access import access_for

register = template.Library()


@register.filter
def works_with_cases(user) -> bool:
    """Staff who read case data and the reports (not auditors, partners or anyone else)."""
    return access_for(user).is_staff_member
