"""The staff workspace: each role's home (queues of the day's work), the global search and the actions taken
from a queue. Server-rendered pages in the staff site's look; the Django admin stays for full forms and
reference data."""
