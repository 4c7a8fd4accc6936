from cases.models.case import Case, CaseSequence
from cases.models.person import EmergencyContact, Person
from cases.models.work import CaseEvent, Hearing, Task

__all__ = ["Case", "CaseEvent", "CaseSequence", "EmergencyContact", "Hearing", "Person", "Task"]
