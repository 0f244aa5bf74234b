-- tech_changed tells whether a pageview's browser, OS or device differs
-- from those of its visitor's previous pageview (false without one), so
-- that the breakdowns by browser, OS and device count the first pageviews
-- of the visitors who never change them instead of deduplicating every
-- pageview (docs/analytics-index.md). It is NULL while the row is pending,
-- and for every row stored before this column: such rows are counted the
-- old way, and the index gives them a value when it indexes them again.
ALTER TABLE events ADD COLUMN IF NOT EXISTS tech_changed BOOLEAN;
