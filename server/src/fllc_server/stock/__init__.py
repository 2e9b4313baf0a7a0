"""Stock: intake, adjustments, counts and transfers as movements; levels per location."""
