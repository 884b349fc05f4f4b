"""The backup and restore tests: a source portal handing in, an empty target, an archive."""
