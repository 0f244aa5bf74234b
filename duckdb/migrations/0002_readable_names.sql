-- Names that say what they hold. The index columns are times (epoch
-- microseconds) of the visitor's pageviews; see docs/analytics-index.md.
ALTER TABLE events RENAME COLUMN vprev  TO prev_visitor_pageview;
ALTER TABLE events RENAME COLUMN sprev  TO prev_session_pageview;
ALTER TABLE events RENAME COLUMN sprev2 TO second_prev_session_pageview;
ALTER TABLE events RENAME COLUMN pprev  TO prev_page_pageview;
ALTER TABLE events RENAME COLUMN rprev  TO prev_referrer_pageview;
ALTER TABLE events RENAME COLUMN cprev  TO prev_country_pageview;
ALTER TABLE events RENAME COLUMN pvprev TO nearest_pageview_before;
ALTER TABLE events RENAME COLUMN pvnext TO nearest_pageview_after;

ALTER TABLE sites RENAME COLUMN n TO site;

ALTER TABLE pvnext_updates RENAME TO open_goal_updates;
