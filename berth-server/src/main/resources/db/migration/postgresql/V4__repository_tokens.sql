-- The authorization token of a github_repository resource, encrypted (AES-GCM, under the key of
-- --secrets-key-file), apart from the columns any read of a resource returns. NULL: no token (a
-- public repository) or a file resource.
ALTER TABLE session_resources ADD COLUMN secret TEXT;
