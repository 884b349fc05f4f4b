"""Running cchc: the local stack (`cchc up`) and the production set-up (deploy/README.md)."""
