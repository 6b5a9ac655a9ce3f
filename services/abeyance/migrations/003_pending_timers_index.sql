-- The due timers of each partition, found by an index range (the scheduler's tick costs what is
-- due, not what is pending).
CREATE INDEX abeyance_timers_pending ON abeyance_timers (topic, partition, fire_at)
    WHERE fired_at IS NULL;
