"""Detainee lists imported in bulk: reading a CSV or XLSX file (``reading``), making each row a person's
data (``rows``), checking and matching it (``preview``) and writing it through the staff's own services
(``commit``). The staff pages (``views``), the command ``import_detainees`` and the Celery task share
``services``."""
