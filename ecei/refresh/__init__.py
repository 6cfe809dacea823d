"""The refresh: crawl, judge completeness, merge, and what follows it; checks and schedules around it."""
