"""What ecei writes for people: the one safe writer, the published copy, exports, releases, feeds, the report."""
