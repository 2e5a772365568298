-- Send permits shared by every worker (issue 13): one row per provider project, e.g.
-- `fcm:<project_id>`. A window (`window_start`, one second long) holds `used` permits out of the configured share; workers reserve them in chunks
-- with one upsert, which also returns `granted`, the size of that chunk. `paused_until` is set
-- from a provider's 429 `Retry-After`: no worker sends to the project before it.
CREATE TABLE push_quotas (
    key             TEXT PRIMARY KEY,
    window_start    TIMESTAMP NOT NULL,
    used            BIGINT NOT NULL,
    granted         BIGINT NOT NULL,
    paused_until    TIMESTAMP
);
