-- Each input partition's clock: the latest event time (occurred, or recorded, as the service
-- runs) of the events applied there. Monotone even when a late-recorded event carries an older
-- time, so that a timer fires between the same two events of its partition in every run.
CREATE TABLE partition_clocks (
    topic     text        NOT NULL,
    partition integer     NOT NULL,
    clock     timestamptz NOT NULL,
    PRIMARY KEY (topic, partition)
);
