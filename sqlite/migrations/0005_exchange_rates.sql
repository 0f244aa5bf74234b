-- The exchange rates the server fetched from the European Central Bank:
-- what one euro is worth in currency on day (days since 1970-01-01).
CREATE TABLE exchange_rates (
    day       INTEGER NOT NULL,
    currency  TEXT NOT NULL,
    rate      REAL NOT NULL,
    PRIMARY KEY (day, currency)
) WITHOUT ROWID;
