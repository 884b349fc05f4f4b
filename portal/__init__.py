"""The unit portal: task pages behind signed links (and, later, the Office's pages)."""
