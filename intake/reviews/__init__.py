"""The staff pages of possible duplicates and merges: the review queue, a review's two records side by
side, merging from a person's page, and a merge's own page (with undo). Thin views; the writes are
``cases.services.duplicate_reviews`` and ``cases.services.merges``."""
