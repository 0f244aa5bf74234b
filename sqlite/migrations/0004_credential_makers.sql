-- Who made each credential, and what a website key may do.
-- api_keys.created_by_user: the user on whose authority the key was made
-- (NULL for keys made before it was recorded); removing that user from the
-- website revokes the key. api_keys.permissions: a JSON array, NULL
-- meaning every website-level permission (the keys made before).
-- access_tokens.created_by: the user who made the token.
ALTER TABLE api_keys ADD COLUMN created_by_user TEXT;
ALTER TABLE api_keys ADD COLUMN permissions TEXT;
ALTER TABLE access_tokens ADD COLUMN created_by TEXT;
CREATE INDEX api_keys_maker ON api_keys(website_id, created_by_user);
