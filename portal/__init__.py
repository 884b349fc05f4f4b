"""The portal: units' task pages behind signed links, the Office's and the Director's pages."""
