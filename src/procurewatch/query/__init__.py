"""Reading the store for figures: the filter vocabulary and the counts behind every table and chart."""
