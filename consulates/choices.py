"""Choices shared by the network's reference models (``consulates.models``, ``consulates.courts``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    TX = "TX", "Texas"
    NM = "NM", _("New Mexico")
    OK = "OK", "Oklahoma"


NETWORK_STATES = ("TX", "NM", "OK")


class UsState(models.TextChoices):
    """Every US state (and DC): a person is moved out of the network's states within days."""

    AL = "AL", "Alabama"
    AK = "AK", "Alaska"
    AZ = "AZ", "Arizona"
    AR = "AR", "Arkansas"
    CA = "CA", "California"
    CO = "CO", "Colorado"
    CT = "CT", "Connecticut"
    DE = "DE", "Delaware"
    DC = "DC", "District of Columbia"
    FL = "FL", "Florida"
    GA = "GA", "Georgia"
    HI = "HI", "Hawaii"
    ID = "ID", "Idaho"
    IL = "IL", "Illinois"
    IN = "IN", "Indiana"
    IA = "IA", "Iowa"
    KS = "KS", "Kansas"
    KY = "KY", "Kentucky"
    LA = "LA", "Louisiana"
    ME = "ME", "Maine"
    MD = "MD", "Maryland"
    MA = "MA", "Massachusetts"
    MI = "MI", "Michigan"
    MN = "MN", "Minnesota"
    MS = "MS", "Mississippi"
    MO = "MO", "Missouri"
    MT = "MT", "Montana"
    NE = "NE", "Nebraska"
    NV = "NV", "Nevada"
    NH = "NH", "New Hampshire"
    NJ = "NJ", "New Jersey"
    NM = "NM", _("New Mexico")
    NY = "NY", "New York"
    NC = "NC", "North Carolina"
    ND = "ND", "North Dakota"
    OH = "OH", "Ohio"
    OK = "OK", "Oklahoma"
    OR = "OR", "Oregon"
    PA = "PA", "Pennsylvania"
    RI = "RI", "Rhode Island"
    SC = "SC", "South Carolina"
    SD = "SD", "South Dakota"
    TN = "TN", "Tennessee"
    TX = "TX", "Texas"
    UT = "UT", "Utah"
    VT = "VT", "Vermont"
    VA = "VA", "Virginia"
    WA = "WA", "Washington"
    WV = "WV", "West Virginia"
    WI = "WI", "Wisconsin"
    WY = "WY", "Wyoming"


class FacilityKind(models.TextChoices):
    ICE = "ice", _("ICE processing centre or contract detention")
    COUNTY_JAIL = "county_jail", _("County jail (287(g))")
    CBP = "cbp", _("CBP station")
    HOSPITAL = "hospital", _("Hospital")
    STATE_PRISON = "state_prison", _("State prison")
    FEDERAL = "federal", _("Federal custody (US Marshals, Bureau of Prisons)")
    ORR_SHELTER = "orr_shelter", _("Children's shelter (ORR)")
    OTHER = "other", _("Other")


class Basis(models.TextChoices):
    OFFICIAL = "official", _("Official (a source names it)")
    INFERRED = "inferred", _("Inferred (provisional rule)")
    STAFF = "staff", _("Set by staff")
    SECONDARY = "secondary", _("Secondary source")


__all__ = ["NETWORK_STATES", "Basis", "FacilityKind", "State", "UsState"]
