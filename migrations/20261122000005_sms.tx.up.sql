-- SMS: encoding and segment count of each message, send attempts.
ALTER TABLE notifications ADD COLUMN encoding text NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN segments integer NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN attempts integer NOT NULL DEFAULT 0;
