-- Keys and tokens may be limited to client addresses: allowed_ips is a
-- JSON array of normalized CIDR prefixes ("10.0.0.0/8"); NULL for any
-- address, DataFast's behaviour.
ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT;
ALTER TABLE access_tokens ADD COLUMN allowed_ips TEXT;
