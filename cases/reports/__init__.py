"""Caseload reports for managers: one function per report, each returning a ``Report`` (columns, rows,
and what a chart shows). Every report starts from the ``visible_to`` querysets and the same
``ReportParams`` (date range and consulate), so the dashboard, the exports and the API agree."""
