"""The progress page: streaks, a calendar of done days, and charts of what the days add up to."""
