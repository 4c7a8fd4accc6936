"""Choices shared by the network's reference models (``consulates.models``, ``consulates.courts``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    TX = "TX", "Texas"
    NM = "NM", _("New Mexico")
    OK = "OK", "Oklahoma"


class Basis(models.TextChoices):
    OFFICIAL = "official", _("Official (a source names it)")
    INFERRED = "inferred", _("Inferred (provisional rule)")
    STAFF = "staff", _("Set by staff")
    SECONDARY = "secondary", _("Secondary source")


__all__ = ["Basis", "State"]
