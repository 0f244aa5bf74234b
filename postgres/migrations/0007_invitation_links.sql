-- Invitation links: an invitation can be opened by a link that carries a
-- random secret; link_hash is its SHA-256 (the secret is stored nowhere).
-- NULL for invitations made without a link.
ALTER TABLE invitations ADD COLUMN link_hash bytea;
CREATE UNIQUE INDEX invitations_link ON invitations(link_hash) WHERE link_hash IS NOT NULL;
CREATE INDEX invitations_website ON invitations(website_id, created_at) WHERE accepted_at IS NULL;
