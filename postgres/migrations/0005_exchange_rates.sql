-- The exchange rates the servers fetched from the European Central Bank:
-- what one euro is worth in currency on day (days since 1970-01-01).
CREATE TABLE exchange_rates (
    day       bigint NOT NULL,
    currency  text COLLATE "C" NOT NULL,
    rate      double precision NOT NULL,
    PRIMARY KEY (day, currency)
);
