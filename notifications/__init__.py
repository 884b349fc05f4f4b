"""Mail: Vietnamese templates, message building, transport backends, the dev mail sink."""
